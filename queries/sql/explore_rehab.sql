-- explore_rehab: 指标分析, persons with a rehabilitation need and of them served (at least once in the
-- year) for the years :year_from to :year_to, per :by key (× :cols key, '' = none):
-- township, village, category, level, year. Parameters: :by, :cols, :year_from, :year_to, :township,
-- :village, :category, :level. Township mart for the county, village mart inside one township. Keys are text.
SELECT row_key, col_key, sum(served_persons) AS rehab_served, sum(need_persons) AS rehab_need
FROM (
    SELECT CASE :by WHEN 'township' THEN township_code WHEN 'village' THEN village_code
                    WHEN 'category' THEN CAST(category_code AS VARCHAR) WHEN 'level' THEN CAST(level_code AS VARCHAR)
                    WHEN 'year' THEN CAST(year AS VARCHAR) ELSE '' END AS row_key,
           CASE :cols WHEN 'township' THEN township_code WHEN 'village' THEN village_code
                      WHEN 'category' THEN CAST(category_code AS VARCHAR) WHEN 'level' THEN CAST(level_code AS VARCHAR)
                      WHEN 'year' THEN CAST(year AS VARCHAR) ELSE '' END AS col_key,
           need_persons, served_persons
    FROM (
        SELECT township_code, '' AS village_code, category_code, level_code, year, need_persons, served_persons
        FROM mart_rehab_town WHERE :township = ''
        UNION ALL
        SELECT township_code, village_code, category_code, level_code, year, need_persons, served_persons
        FROM mart_rehab
        WHERE :township <> '' AND township_code = :township AND (:village = '' OR village_code = :village)
    ) m
    WHERE year BETWEEN :year_from AND :year_to
      AND (:category = 0 OR category_code = :category) AND (:level = 0 OR level_code = :level)
) k
GROUP BY row_key, col_key
ORDER BY row_key, col_key
