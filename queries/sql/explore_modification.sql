-- explore_modification: 指标分析, households planned for home modification in each plan year of
-- :year_from to :year_to and of them completed, per :by key (× :cols key, '' = none): township, village,
-- year (households carry no category or level). Parameters: :by, :cols, :year_from, :year_to, :township,
-- :village. Township mart for the county, village mart inside one township. Keys are text.
SELECT row_key, col_key, sum(CASE WHEN is_completed THEN households ELSE 0 END) AS modification_completed,
       sum(households) AS modification_planned
FROM (
    SELECT CASE :by WHEN 'township' THEN township_code WHEN 'village' THEN village_code
                    WHEN 'year' THEN CAST(plan_year AS VARCHAR) ELSE '' END AS row_key,
           CASE :cols WHEN 'township' THEN township_code WHEN 'village' THEN village_code
                      WHEN 'year' THEN CAST(plan_year AS VARCHAR) ELSE '' END AS col_key,
           is_completed, households
    FROM (
        SELECT township_code, '' AS village_code, plan_year, is_completed, households
        FROM mart_modification_town WHERE :township = ''
        UNION ALL
        SELECT township_code, village_code, plan_year, is_completed, households
        FROM mart_modification
        WHERE :township <> '' AND township_code = :township AND (:village = '' OR village_code = :village)
    ) m
    WHERE plan_year BETWEEN :year_from AND :year_to
) k
GROUP BY row_key, col_key
ORDER BY row_key, col_key
