-- explore_employment: 指标分析, employment bases recognised by each year of :year_from to :year_to and
-- the persons they place, per :by key (× :cols key, '' = none): township, village, year (bases carry no
-- category or level). Parameters: :by, :cols, :year_from, :year_to, :township, :village. Township mart
-- for the county, village mart inside one township. Keys are text.
SELECT row_key, col_key, sum(bases) AS bases, sum(base_placed) AS base_placed
FROM (
    SELECT CASE :by WHEN 'township' THEN township_code WHEN 'village' THEN village_code
                    WHEN 'year' THEN CAST(year AS VARCHAR) ELSE '' END AS row_key,
           CASE :cols WHEN 'township' THEN township_code WHEN 'village' THEN village_code
                      WHEN 'year' THEN CAST(year AS VARCHAR) ELSE '' END AS col_key,
           bases, base_placed
    FROM (
        SELECT township_code, '' AS village_code, year, bases, base_placed
        FROM mart_annual_household_town WHERE :township = ''
        UNION ALL
        SELECT township_code, village_code, year, bases, base_placed
        FROM mart_annual_household
        WHERE :township <> '' AND township_code = :township AND (:village = '' OR village_code = :village)
    ) m
    WHERE year BETWEEN :year_from AND :year_to
) k
GROUP BY row_key, col_key
ORDER BY row_key, col_key
