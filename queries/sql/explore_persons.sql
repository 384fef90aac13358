-- explore_persons: 指标分析, persons (证件正常) whose certificate was issued by the end of each year of
-- :year_from to :year_to (the register's status as of the import), per :by key (× :cols key, '' = none):
-- township, village, category, level, year. Parameters: :by, :cols, :year_from, :year_to, :township,
-- :village, :category, :level. Township mart for the county, village mart inside one township. Keys are text.
WITH years AS (
    SELECT CAST(g.y AS INTEGER) AS year FROM generate_series(CAST(:year_from AS INTEGER), CAST(:year_to AS INTEGER)) AS g(y)
)
SELECT row_key, col_key, sum(persons) AS persons
FROM (
    SELECT CASE :by WHEN 'township' THEN township_code WHEN 'village' THEN village_code
                    WHEN 'category' THEN CAST(category_code AS VARCHAR) WHEN 'level' THEN CAST(level_code AS VARCHAR)
                    WHEN 'year' THEN CAST(y.year AS VARCHAR) ELSE '' END AS row_key,
           CASE :cols WHEN 'township' THEN township_code WHEN 'village' THEN village_code
                      WHEN 'category' THEN CAST(category_code AS VARCHAR) WHEN 'level' THEN CAST(level_code AS VARCHAR)
                      WHEN 'year' THEN CAST(y.year AS VARCHAR) ELSE '' END AS col_key,
           persons
    FROM (
        SELECT township_code, '' AS village_code, category_code, level_code, issued_year, persons
        FROM mart_person_town WHERE :township = ''
        UNION ALL
        SELECT township_code, village_code, category_code, level_code, issued_year, persons
        FROM mart_person
        WHERE :township <> '' AND township_code = :township AND (:village = '' OR village_code = :village)
    ) m
    JOIN years y ON m.issued_year <= y.year
    WHERE (:category = 0 OR category_code = :category) AND (:level = 0 OR level_code = :level)
) k
GROUP BY row_key, col_key
ORDER BY row_key, col_key
