-- data_years: one row per area of yearly data: the first and the latest year it holds (in this order: a
-- UNION ALL alone has none on ClickHouse, whose branches run in parallel).
SELECT area, first_year, last_year FROM (
    SELECT 'rehab' AS area, min(year) AS first_year, max(year) AS last_year, 1 AS place FROM mart_rehab_town
    UNION ALL SELECT 'employment', min(year), max(year), 2 FROM mart_employment_town
    UNION ALL SELECT 'modification', min(plan_year), max(plan_year), 3 FROM mart_modification_town
    UNION ALL SELECT 'care', min(year), max(year), 4 FROM mart_care_town
) AS spans
ORDER BY place
