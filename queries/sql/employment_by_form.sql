-- employment_by_form: one row per year × form of employment: persons employed.
-- Parameters: :township, :village, :category, :level. Township mart for the county, village mart
-- inside one township.
SELECT year, form, sum(persons) AS persons, sum(persons_at_base) AS persons_at_base
FROM (
    SELECT year, form, category_code, level_code, persons, persons_at_base
    FROM mart_employment_town WHERE :township = ''
    UNION ALL
    SELECT year, form, category_code, level_code, persons, persons_at_base
    FROM mart_employment
    WHERE :township <> '' AND township_code = :township AND (:village = '' OR village_code = :village)
) m
WHERE (:category = 0 OR category_code = :category) AND (:level = 0 OR level_code = :level)
GROUP BY year, form
ORDER BY year, form
