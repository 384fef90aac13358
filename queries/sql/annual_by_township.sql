-- annual_by_township: one row per township of the county for year :year; counts and sums only (rates
-- are made from them in queries/report.py). Inside one township see annual_by_village.sql: the two
-- are separate statements because DuckDB binds and plans every branch of a statement, and this one
-- runs on every page at county level.
-- Parameters: :year (int), :category (0 = all), :level (0 = all).
-- Reads the township marts only (mart_person_town, mart_annual_town, mart_annual_household_town;
-- years before the first data are all zero, the marts end at the import's as-of year).
WITH persons AS (
    SELECT township_code, sum(persons) AS persons, sum(living_eligible_persons) AS living_eligible,
           sum(nursing_eligible_persons) AS nursing_eligible
    FROM mart_person_town
    WHERE (:category = 0 OR category_code = :category) AND (:level = 0 OR level_code = :level)
    GROUP BY township_code
),
yearly AS (
    SELECT township_code, sum(living_persons) AS living_persons, sum(living_eligible_paid) AS living_eligible_paid,
           sum(living_amount_yuan) AS living_amount_yuan, sum(nursing_persons) AS nursing_persons,
           sum(nursing_eligible_paid) AS nursing_eligible_paid, sum(nursing_amount_yuan) AS nursing_amount_yuan,
           sum(rehab_need) AS rehab_need, sum(rehab_served) AS rehab_served
    FROM mart_annual_town
    WHERE year = :year AND (:category = 0 OR category_code = :category) AND (:level = 0 OR level_code = :level)
    GROUP BY township_code
)
SELECT u.region_code AS unit_code, u.name,
       p.persons, p.living_eligible, p.nursing_eligible,
       h.monitored_unstable, h.monitored_marginal, h.monitored_sudden, h.enrolled, h.eliminated,
       h.without_measure,
       y.living_persons, y.living_eligible_paid, y.living_amount_yuan,
       y.nursing_persons, y.nursing_eligible_paid, y.nursing_amount_yuan,
       y.rehab_need, y.rehab_served, h.bases, h.base_placed,
       h.modification_planned, h.modification_completed
FROM dim_region u
LEFT JOIN persons p ON p.township_code = u.region_code
LEFT JOIN mart_annual_household_town h ON h.township_code = u.region_code AND h.year = :year
LEFT JOIN yearly y ON y.township_code = u.region_code
WHERE u.level = 'township'
ORDER BY u.region_code
