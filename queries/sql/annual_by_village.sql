-- annual_by_village: one row per village of township :township and year, for :year and the year before
-- (pages compare them: one statement for both); counts and sums only (rates are made from them in
-- queries/report.py). The county's townships: annual_by_township.sql.
-- Parameters: :year (int), :category (0 = all), :level (0 = all), :township (a township code).
-- Reads the village marts (mart_person, mart_annual, mart_annual_household, mart_severe_monitored),
-- sorted by township so one township's rows are a few row groups.
WITH years AS (
    SELECT CAST(:year AS INTEGER) - 1 AS year UNION ALL SELECT CAST(:year AS INTEGER)
),
persons AS (
    SELECT village_code, y.year, sum(persons) AS persons, sum(living_eligible_persons) AS living_eligible,
           sum(nursing_eligible_persons) AS nursing_eligible
    FROM mart_person CROSS JOIN years y
    WHERE issued_year <= y.year AND township_code = :township
      AND (:category = 0 OR category_code = :category) AND (:level = 0 OR level_code = :level)
    GROUP BY village_code, y.year
),
yearly AS (
    SELECT village_code, year, sum(living_persons) AS living_persons, sum(living_eligible_paid) AS living_eligible_paid,
           sum(living_amount_yuan) AS living_amount_yuan, sum(nursing_persons) AS nursing_persons,
           sum(nursing_eligible_paid) AS nursing_eligible_paid, sum(nursing_amount_yuan) AS nursing_amount_yuan,
           sum(rehab_need) AS rehab_need, sum(rehab_served) AS rehab_served
    FROM mart_annual
    WHERE township_code = :township AND year BETWEEN :year - 1 AND :year
      AND (:category = 0 OR category_code = :category) AND (:level = 0 OR level_code = :level)
    GROUP BY village_code, year
),
households AS (
    SELECT * FROM mart_annual_household WHERE township_code = :township AND year BETWEEN :year - 1 AND :year
),
gap AS (
    -- severe persons in households under monitoring at year end, and those of them without a nursing
    -- subsidy / rehab service that year (the cross-programme gap on 总览 and 防返贫监测)
    SELECT village_code, year, sum(severe_persons) AS severe_persons, sum(without_nursing) AS without_nursing,
           sum(without_rehab) AS without_rehab, sum(without_either) AS without_either
    FROM mart_severe_monitored
    WHERE township_code = :township AND year BETWEEN :year - 1 AND :year
      AND (:category = 0 OR category_code = :category) AND (:level = 0 OR level_code = :level)
    GROUP BY village_code, year
)
SELECT y.year, u.region_code AS unit_code, u.name,
       p.persons, p.living_eligible, p.nursing_eligible,
       h.monitored_unstable, h.monitored_marginal, h.monitored_sudden, h.enrolled, h.eliminated,
       h.without_measure,
       a.living_persons, a.living_eligible_paid, a.living_amount_yuan,
       a.nursing_persons, a.nursing_eligible_paid, a.nursing_amount_yuan,
       a.rehab_need, a.rehab_served, h.bases, h.base_placed,
       h.modification_planned, h.modification_completed,
       g.severe_persons, g.without_nursing, g.without_rehab, g.without_either
FROM dim_region u
CROSS JOIN years y
LEFT JOIN persons p ON p.village_code = u.region_code AND p.year = y.year
LEFT JOIN households h ON h.village_code = u.region_code AND h.year = y.year
LEFT JOIN yearly a ON a.village_code = u.region_code AND a.year = y.year
LEFT JOIN gap g ON g.village_code = u.region_code AND g.year = y.year
WHERE u.level = 'village' AND u.township_code = :township
ORDER BY y.year, u.region_code
