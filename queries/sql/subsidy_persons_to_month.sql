-- subsidy_persons_to_month: one row per subsidy: distinct persons paid from January to month :month
-- of :year (and how many of them are eligible). Parameters: :year, :month, :township, :village,
-- :category, :level.
SELECT subsidy_code, sum(persons) AS persons, sum(eligible_persons) AS eligible_paid
FROM mart_subsidy_first_paid
WHERE year = :year AND first_month <= :month
  AND (:township = '' OR township_code = :township) AND (:village = '' OR village_code = :village)
  AND (:category = 0 OR category_code = :category) AND (:level = 0 OR level_code = :level)
GROUP BY subsidy_code
ORDER BY subsidy_code
