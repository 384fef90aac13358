-- care_by_type: one row per year × care type: persons in care. Parameters: :township, :village,
-- :category, :level. Township mart for the county, village mart inside one township.
SELECT year, care_type, sum(persons) AS persons
FROM (
    SELECT year, care_type, category_code, level_code, persons FROM mart_care_town WHERE :township = ''
    UNION ALL
    SELECT year, care_type, category_code, level_code, persons FROM mart_care
    WHERE :township <> '' AND township_code = :township AND (:village = '' OR village_code = :village)
) m
WHERE (:category = 0 OR category_code = :category) AND (:level = 0 OR level_code = :level)
GROUP BY year, care_type
ORDER BY year, care_type
