-- annual_by_village: one row per village of township :township for year :year; counts and sums only
-- (rates are made from them in queries/report.py). The county's townships: annual_by_township.sql.
-- Parameters: :year (int), :category (0 = all), :level (0 = all), :township (a township code).
-- Reads the village marts (mart_person, mart_annual, mart_annual_household), sorted by township so
-- one township's rows are a few row groups.
WITH persons AS (
    SELECT village_code, sum(persons) AS persons, sum(living_eligible_persons) AS living_eligible,
           sum(nursing_eligible_persons) AS nursing_eligible
    FROM mart_person
    WHERE township_code = :township
      AND (:category = 0 OR category_code = :category) AND (:level = 0 OR level_code = :level)
    GROUP BY village_code
),
yearly AS (
    SELECT village_code, sum(living_persons) AS living_persons, sum(living_eligible_paid) AS living_eligible_paid,
           sum(living_amount_yuan) AS living_amount_yuan, sum(nursing_persons) AS nursing_persons,
           sum(nursing_eligible_paid) AS nursing_eligible_paid, sum(nursing_amount_yuan) AS nursing_amount_yuan,
           sum(rehab_need) AS rehab_need, sum(rehab_served) AS rehab_served
    FROM mart_annual
    WHERE township_code = :township AND year = :year
      AND (:category = 0 OR category_code = :category) AND (:level = 0 OR level_code = :level)
    GROUP BY village_code
),
households AS (
    SELECT * FROM mart_annual_household WHERE township_code = :township AND year = :year
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
LEFT JOIN persons p ON p.village_code = u.region_code
LEFT JOIN households h ON h.village_code = u.region_code
LEFT JOIN yearly y ON y.village_code = u.region_code
WHERE u.level = 'village' AND u.township_code = :township
ORDER BY u.region_code
