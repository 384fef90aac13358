-- rehab_by_group: one row per category × child (age 0-16 that year) for :year: need and served persons.
-- Parameters: :year, :township, :village, :level.
SELECT category_code, is_child, sum(need_persons) AS need_persons, sum(served_persons) AS served_persons
FROM mart_rehab
WHERE year = :year
  AND (:township = '' OR township_code = :township) AND (:village = '' OR village_code = :village)
  AND (:level = 0 OR level_code = :level)
GROUP BY category_code, is_child
ORDER BY category_code, is_child
