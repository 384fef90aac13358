-- explore_persons: 指标分析, persons (证件正常) whose certificate was issued by the end of each year of
-- :year_from to :year_to (the register's status as of the import), per :by key (× :cols key, '' = none):
-- township, village, category, level, year. Parameters: :by, :cols, :year_from, :year_to, :township,
-- :village, :category, :level. Township mart for the county, village mart inside one township. Keys are text.
-- The years as a recursive CTE: the one series DuckDB, PostgreSQL and ClickHouse all write the same way.
WITH RECURSIVE years AS (
    SELECT CAST(:year_from AS INTEGER) AS year
    UNION ALL
    SELECT CAST(year + 1 AS INTEGER) FROM years WHERE year < :year_to
),
-- Summed to the view's keys other than the year first (a few thousand rows), then counted in every year
-- from the one the certificate was issued.
p AS (
    SELECT CASE :by WHEN 'township' THEN township_code WHEN 'village' THEN village_code
                  WHEN 'category' THEN CAST(category_code AS VARCHAR) WHEN 'level' THEN CAST(level_code AS VARCHAR) ELSE '' END AS row_unit,
           CASE :cols WHEN 'township' THEN township_code WHEN 'village' THEN village_code
                    WHEN 'category' THEN CAST(category_code AS VARCHAR) WHEN 'level' THEN CAST(level_code AS VARCHAR) ELSE '' END AS col_unit,
           issued_year, sum(persons) AS persons
    FROM (
        SELECT township_code, '' AS village_code, category_code, level_code, issued_year, persons
        FROM mart_person_town WHERE :township = ''
        UNION ALL
        SELECT township_code, village_code, category_code, level_code, issued_year, persons
        FROM mart_person
        WHERE :township <> '' AND township_code = :township AND (:village = '' OR village_code = :village)
    ) m
    WHERE issued_year <= :year_to AND (:category = 0 OR category_code = :category) AND (:level = 0 OR level_code = :level)
    GROUP BY 1, 2, 3
)
SELECT CASE WHEN :by = 'year' THEN CAST(y.year AS VARCHAR) ELSE p.row_unit END AS row_key,
       CASE WHEN :cols = 'year' THEN CAST(y.year AS VARCHAR) ELSE p.col_unit END AS col_key,
       sum(p.persons) AS persons
FROM p JOIN years y ON p.issued_year <= y.year
GROUP BY 1, 2
ORDER BY 1, 2
