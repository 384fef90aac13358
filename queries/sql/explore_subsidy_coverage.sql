-- explore_subsidy_coverage: 指标分析, per :by key (× :cols key): township, village, category, level, year,
-- for the years :year_from to :year_to: eligible persons (certificate issued by the year's end; status and
-- eligibility as of the import, as in the annual table), of them paid at least once in the year, and the
-- unpaid eligible of both subsidies. Parameters: :by, :cols, :year_from, :year_to, :township, :village, :category, :level.
-- Township marts for the county, village marts inside one township. Keys are text.
-- The years as a recursive CTE: the one series DuckDB, PostgreSQL and ClickHouse all write the same way.
WITH RECURSIVE years AS (
    SELECT CAST(:year_from AS INTEGER) AS year
    UNION ALL
    SELECT CAST(year + 1 AS INTEGER) FROM years WHERE year < :year_to
),
-- Both sides are first summed to the view's keys other than the year (a few thousand rows), then the persons
-- are counted in every year from the one their certificate was issued.
p AS (
    SELECT CASE :by WHEN 'township' THEN township_code WHEN 'village' THEN village_code
                  WHEN 'category' THEN CAST(category_code AS VARCHAR) WHEN 'level' THEN CAST(level_code AS VARCHAR) ELSE '' END AS row_unit,
           CASE :cols WHEN 'township' THEN township_code WHEN 'village' THEN village_code
                    WHEN 'category' THEN CAST(category_code AS VARCHAR) WHEN 'level' THEN CAST(level_code AS VARCHAR) ELSE '' END AS col_unit,
           issued_year, sum(living_eligible_persons) AS living_eligible, sum(nursing_eligible_persons) AS nursing_eligible
    FROM (
        SELECT township_code, '' AS village_code, category_code, level_code, issued_year, living_eligible_persons,
               nursing_eligible_persons
        FROM mart_person_town WHERE :township = ''
        UNION ALL
        SELECT township_code, village_code, category_code, level_code, issued_year, living_eligible_persons,
               nursing_eligible_persons
        FROM mart_person
        WHERE :township <> '' AND township_code = :township AND (:village = '' OR village_code = :village)
    ) m
    WHERE issued_year <= :year_to AND (:category = 0 OR category_code = :category) AND (:level = 0 OR level_code = :level)
    GROUP BY 1, 2, 3
),
f AS (
    SELECT CASE :by WHEN 'township' THEN township_code WHEN 'village' THEN village_code
                  WHEN 'category' THEN CAST(category_code AS VARCHAR) WHEN 'level' THEN CAST(level_code AS VARCHAR) ELSE '' END AS row_unit,
           CASE :cols WHEN 'township' THEN township_code WHEN 'village' THEN village_code
                    WHEN 'category' THEN CAST(category_code AS VARCHAR) WHEN 'level' THEN CAST(level_code AS VARCHAR) ELSE '' END AS col_unit,
           year, sum(CASE WHEN subsidy_code = 'living' THEN eligible_persons ELSE 0 END) AS living_eligible_paid,
           sum(CASE WHEN subsidy_code = 'nursing' THEN eligible_persons ELSE 0 END) AS nursing_eligible_paid
    FROM (
        SELECT township_code, '' AS village_code, category_code, level_code, year, subsidy_code, eligible_persons
        FROM mart_subsidy_first_paid_town WHERE :township = ''
        UNION ALL
        SELECT township_code, village_code, category_code, level_code, year, subsidy_code, eligible_persons
        FROM mart_subsidy_first_paid
        WHERE :township <> '' AND township_code = :township AND (:village = '' OR village_code = :village)
    ) m
    WHERE year BETWEEN :year_from AND :year_to AND (:category = 0 OR category_code = :category)
      AND (:level = 0 OR level_code = :level)
    GROUP BY 1, 2, 3
),
u AS (
    SELECT p.row_unit, p.col_unit, y.year, p.living_eligible, p.nursing_eligible,
           0 AS living_eligible_paid, 0 AS nursing_eligible_paid
    FROM p JOIN years y ON p.issued_year <= y.year
    UNION ALL
    SELECT row_unit, col_unit, year, 0, 0, living_eligible_paid, nursing_eligible_paid FROM f
)
SELECT CASE WHEN :by = 'year' THEN CAST(year AS VARCHAR) ELSE row_unit END AS row_key,
       CASE WHEN :cols = 'year' THEN CAST(year AS VARCHAR) ELSE col_unit END AS col_key,
       sum(living_eligible_paid) AS living_eligible_paid, sum(living_eligible) AS living_eligible,
       sum(nursing_eligible_paid) AS nursing_eligible_paid, sum(nursing_eligible) AS nursing_eligible,
       sum(living_eligible) - sum(living_eligible_paid) + sum(nursing_eligible) - sum(nursing_eligible_paid)
           AS unpaid_eligible
FROM u
GROUP BY 1, 2
ORDER BY 1, 2
