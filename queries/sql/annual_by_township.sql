-- annual_by_township: one row per township of the county and year, for :year and the year before
-- (pages compare them: one statement for both); counts and sums only (rates are made from them in
-- queries/report.py). Inside one township see annual_by_village.sql: the two are separate statements
-- because DuckDB binds and plans every branch of a statement, and this one runs on every page.
-- Parameters: :year (int), :category (0 = all), :level (0 = all).
-- Reads the township marts only (mart_person_town, mart_annual_town, mart_annual_household_town,
-- mart_severe_monitored_town); years before the first data are all zero, the marts end at the
-- import's as-of year.
WITH years AS (
    SELECT CAST(:year AS INTEGER) - 1 AS year UNION ALL SELECT CAST(:year AS INTEGER)
),
persons AS (
    SELECT township_code, y.year, sum(persons) AS persons, sum(living_eligible_persons) AS living_eligible,
           sum(nursing_eligible_persons) AS nursing_eligible
    FROM mart_person_town CROSS JOIN years y
    WHERE issued_year <= y.year AND (:category = 0 OR category_code = :category) AND (:level = 0 OR level_code = :level)
    GROUP BY township_code, y.year
),
yearly AS (
    SELECT township_code, year, sum(living_persons) AS living_persons, sum(living_eligible_paid) AS living_eligible_paid,
           sum(living_amount_yuan) AS living_amount_yuan, sum(nursing_persons) AS nursing_persons,
           sum(nursing_eligible_paid) AS nursing_eligible_paid, sum(nursing_amount_yuan) AS nursing_amount_yuan,
           sum(rehab_need) AS rehab_need, sum(rehab_served) AS rehab_served
    FROM mart_annual_town
    WHERE year BETWEEN :year - 1 AND :year AND (:category = 0 OR category_code = :category) AND (:level = 0 OR level_code = :level)
    GROUP BY township_code, year
),
gap AS (
    -- severe persons in households under monitoring at year end, and those of them without a nursing
    -- subsidy / rehab service that year (the cross-programme gap on 总览 and 防返贫监测)
    SELECT township_code, year, sum(severe_persons) AS severe_persons, sum(without_nursing) AS without_nursing,
           sum(without_rehab) AS without_rehab, sum(without_either) AS without_either
    FROM mart_severe_monitored_town
    WHERE year BETWEEN :year - 1 AND :year
      AND (:category = 0 OR category_code = :category) AND (:level = 0 OR level_code = :level)
    GROUP BY township_code, year
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
LEFT JOIN persons p ON p.township_code = u.region_code AND p.year = y.year
LEFT JOIN mart_annual_household_town h ON h.township_code = u.region_code AND h.year = y.year
LEFT JOIN yearly a ON a.township_code = u.region_code AND a.year = y.year
LEFT JOIN gap g ON g.township_code = u.region_code AND g.year = y.year
WHERE u.level = 'township'
ORDER BY y.year, u.region_code
