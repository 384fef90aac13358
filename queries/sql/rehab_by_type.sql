-- rehab_by_type: one row per service type for :year: persons with that need, of them served.
-- Parameters: :year, :township, :village, :category, :level. Township mart for the county, village
-- mart inside one township.
SELECT service_type, sum(need_persons) AS need_persons, sum(served_persons) AS served_persons
FROM (
    SELECT year, service_type, category_code, level_code, need_persons, served_persons
    FROM mart_rehab_type_town WHERE :township = ''
    UNION ALL
    SELECT year, service_type, category_code, level_code, need_persons, served_persons
    FROM mart_rehab_type
    WHERE :township <> '' AND township_code = :township AND (:village = '' OR village_code = :village)
) m
WHERE year = :year
  AND (:category = 0 OR category_code = :category) AND (:level = 0 OR level_code = :level)
GROUP BY service_type
ORDER BY service_type
