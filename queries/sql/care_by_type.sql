-- care_by_type: one row per year × care type: persons in care. Parameters: :township, :village,
-- :category, :level.
SELECT year, care_type, sum(persons) AS persons
FROM mart_care
WHERE (:township = '' OR township_code = :township) AND (:village = '' OR village_code = :village)
  AND (:category = 0 OR category_code = :category) AND (:level = 0 OR level_code = :level)
GROUP BY year, care_type
ORDER BY year, care_type
