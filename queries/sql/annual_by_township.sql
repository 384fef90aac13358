-- annual_by_township: one row per township of the county and year, for :year and the year before
-- (pages compare them: one statement for both); counts and sums only (rates are made from them in
-- queries/report.py). Inside one township see annual_by_village.sql.
-- Parameters: :year (int), :category (0 = all), :level (0 = all).
-- Reads mart_annual_town, where each township, year and filter has its row already summed (data/build.sql):
-- no join or sum at view time, since this statement runs on every page. A year outside the mart's span
-- (the year before the first data to the as-of year) has no rows.
SELECT year, township_code AS unit_code, name, persons, living_eligible, nursing_eligible,
       monitored_unstable, monitored_marginal, monitored_sudden, enrolled, eliminated, without_measure,
       living_persons, living_eligible_paid, living_amount_yuan, nursing_persons, nursing_eligible_paid,
       nursing_amount_yuan, rehab_need, rehab_served, bases, base_placed, modification_planned,
       modification_completed, severe_persons, without_nursing, without_rehab, without_either
FROM mart_annual_town
WHERE year BETWEEN :year - 1 AND :year AND category_code = :category AND level_code = :level
ORDER BY year, township_code
