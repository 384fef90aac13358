-- annual_by_unit: one row per township of the county (:township = '') or per village of :township,
-- for year :year; counts and sums only (rates are made from them in queries/report.py).
-- Parameters: :year (int), :category (0 = all), :level (0 = all), :township ('' = the county).
-- Reads marts only: the annual marts (mart_annual*, precomputed per unit and year; years before the
-- first data are all zero, the marts end at the import's as-of year) and mart_person; the township
-- marts for the county, the village marts inside one township (each UNION ALL runs one branch).
WITH units AS (
    SELECT region_code AS unit_code, name
    FROM dim_region
    WHERE (:township = '' AND level = 'township') OR (level = 'village' AND township_code = :township)
),
persons AS (
    SELECT unit_code, sum(persons) AS persons, sum(living_eligible_persons) AS living_eligible,
           sum(nursing_eligible_persons) AS nursing_eligible
    FROM (
        SELECT township_code AS unit_code, category_code, level_code, persons, living_eligible_persons,
               nursing_eligible_persons
        FROM mart_person_town WHERE :township = ''
        UNION ALL
        SELECT village_code, category_code, level_code, persons, living_eligible_persons, nursing_eligible_persons
        FROM mart_person WHERE :township <> '' AND township_code = :township
    ) x
    WHERE (:category = 0 OR category_code = :category) AND (:level = 0 OR level_code = :level)
    GROUP BY unit_code
),
yearly AS (
    SELECT unit_code, sum(living_persons) AS living_persons, sum(living_eligible_paid) AS living_eligible_paid,
           sum(living_amount_yuan) AS living_amount_yuan, sum(nursing_persons) AS nursing_persons,
           sum(nursing_eligible_paid) AS nursing_eligible_paid, sum(nursing_amount_yuan) AS nursing_amount_yuan,
           sum(rehab_need) AS rehab_need, sum(rehab_served) AS rehab_served
    FROM (
        SELECT township_code AS unit_code, year, category_code, level_code, living_persons, living_eligible_paid,
               living_amount_yuan, nursing_persons, nursing_eligible_paid, nursing_amount_yuan, rehab_need,
               rehab_served
        FROM mart_annual_town WHERE :township = ''
        UNION ALL
        SELECT village_code, year, category_code, level_code, living_persons, living_eligible_paid,
               living_amount_yuan, nursing_persons, nursing_eligible_paid, nursing_amount_yuan, rehab_need,
               rehab_served
        FROM mart_annual WHERE :township <> '' AND township_code = :township
    ) x
    WHERE year = :year
      AND (:category = 0 OR category_code = :category) AND (:level = 0 OR level_code = :level)
    GROUP BY unit_code
),
households AS (
    SELECT township_code AS unit_code, monitored_unstable, monitored_marginal, monitored_sudden, enrolled,
           eliminated, without_measure, bases, base_placed, modification_planned, modification_completed
    FROM mart_annual_household_town WHERE :township = '' AND year = :year
    UNION ALL
    SELECT village_code, monitored_unstable, monitored_marginal, monitored_sudden, enrolled,
           eliminated, without_measure, bases, base_placed, modification_planned, modification_completed
    FROM mart_annual_household WHERE :township <> '' AND township_code = :township AND year = :year
)
SELECT u.unit_code, u.name,
       p.persons, p.living_eligible, p.nursing_eligible,
       h.monitored_unstable, h.monitored_marginal, h.monitored_sudden, h.enrolled, h.eliminated,
       h.without_measure,
       y.living_persons, y.living_eligible_paid, y.living_amount_yuan,
       y.nursing_persons, y.nursing_eligible_paid, y.nursing_amount_yuan,
       y.rehab_need, y.rehab_served, h.bases, h.base_placed,
       h.modification_planned, h.modification_completed
FROM units u
LEFT JOIN persons p ON p.unit_code = u.unit_code
LEFT JOIN households h ON h.unit_code = u.unit_code
LEFT JOIN yearly y ON y.unit_code = u.unit_code
ORDER BY u.unit_code
