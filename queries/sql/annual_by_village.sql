-- annual_by_village: one row per village of township :township and year, for :year and the year before
-- (pages compare them: one statement for both); counts and sums only (rates are made from them in
-- queries/report.py). The county's townships: annual_by_township.sql.
-- Parameters: :year (int), :category (0 = all), :level (0 = all), :township (a township code).
-- Reads mart_annual, where each village, year and filter has its row already summed (data/build.sql),
-- sorted by township so one township's rows are a few row groups.
SELECT year, village_code AS unit_code, name, persons, living_eligible, nursing_eligible,
       monitored_unstable, monitored_marginal, monitored_sudden, enrolled, eliminated, without_measure,
       living_persons, living_eligible_paid, living_amount_yuan, nursing_persons, nursing_eligible_paid,
       nursing_amount_yuan, rehab_need, rehab_served, bases, base_placed, modification_planned,
       modification_completed, severe_persons, without_nursing, without_rehab, without_either
FROM mart_annual
WHERE township_code = :township AND year BETWEEN :year - 1 AND :year AND category_code = :category
  AND level_code = :level
ORDER BY year, village_code
