-- data_years: one row per area of yearly data: the first and the latest year it holds.
SELECT 'rehab' AS area, min(year) AS first_year, max(year) AS last_year FROM mart_rehab_town
UNION ALL SELECT 'employment', min(year), max(year) FROM mart_employment_town
UNION ALL SELECT 'modification', min(plan_year), max(plan_year) FROM mart_modification_town
UNION ALL SELECT 'care', min(year), max(year) FROM mart_care_town
