-- subsidy_persons_to_month: one row per year × subsidy, for :year and the year before (同比): distinct
-- persons paid from January to month :month of that year (and how many of them are eligible).
-- Parameters: :year, :month, :township, :village, :category, :level. Township mart for the county, village mart inside one township.
SELECT year, subsidy_code, sum(persons) AS persons, sum(eligible_persons) AS eligible_paid
FROM (
    SELECT subsidy_code, year, first_month, category_code, level_code, persons, eligible_persons
    FROM mart_subsidy_first_paid_town WHERE :township = ''
    UNION ALL
    SELECT subsidy_code, year, first_month, category_code, level_code, persons, eligible_persons
    FROM mart_subsidy_first_paid
    WHERE :township <> '' AND township_code = :township AND (:village = '' OR village_code = :village)
) m
WHERE year BETWEEN :year - 1 AND :year AND first_month <= :month
  AND (:category = 0 OR category_code = :category) AND (:level = 0 OR level_code = :level)
GROUP BY year, subsidy_code
ORDER BY year, subsidy_code
