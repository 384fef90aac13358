-- rehab_by_group: one row per category × child (age 0-16 that year) for :year: need and served persons.
-- Parameters: :year, :township, :village, :category, :level. Township mart for the county, village mart inside
-- one township.
SELECT category_code, is_child, sum(need_persons) AS need_persons, sum(served_persons) AS served_persons
FROM (
    SELECT year, category_code, level_code, is_child, need_persons, served_persons
    FROM mart_rehab_town WHERE :township = ''
    UNION ALL
    SELECT year, category_code, level_code, is_child, need_persons, served_persons
    FROM mart_rehab
    WHERE :township <> '' AND township_code = :township AND (:village = '' OR village_code = :village)
) m
WHERE year = :year AND (:category = 0 OR category_code = :category) AND (:level = 0 OR level_code = :level)
GROUP BY category_code, is_child
ORDER BY category_code, is_child
