-- rehab_by_type: one row per service type for :year: persons with that need, of them served.
-- Parameters: :year, :township, :village, :category, :level.
SELECT service_type, sum(need_persons) AS need_persons, sum(served_persons) AS served_persons
FROM mart_rehab_type
WHERE year = :year
  AND (:township = '' OR township_code = :township) AND (:village = '' OR village_code = :village)
  AND (:category = 0 OR category_code = :category) AND (:level = 0 OR level_code = :level)
GROUP BY service_type
ORDER BY service_type
