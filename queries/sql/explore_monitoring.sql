-- explore_monitoring: 指标分析, households under monitoring and of them without any measure, at the end
-- of months of [:month_from, :month_to] (first days): every month (:snap = 'month'), each year's last
-- month in the range (:snap = 'year'), or :month_to only (:snap = 'end'); per :by key (× :cols key):
-- township, village, year, month. Parameters: :by, :cols, :snap, :month_from, :month_to, :township,
-- :village. Township mart for the county, village mart inside one township. Keys are text.
-- The months as a recursive CTE: the one series DuckDB, PostgreSQL and ClickHouse all write the same way.
WITH RECURSIVE snaps AS (
    SELECT CAST(:month_from AS DATE) AS month
    UNION ALL
    SELECT CAST(month + INTERVAL '1 month' AS DATE) FROM snaps WHERE month < CAST(:month_to AS DATE)
),
ends AS (
    SELECT month FROM snaps
    WHERE :snap = 'month' OR month = :month_to OR (:snap = 'year' AND EXTRACT(MONTH FROM month) = 12)
),
m AS (
    SELECT township_code, '' AS village_code, has_measure, enrolled_month, eliminated_month, households
    FROM mart_monitoring_town WHERE :township = ''
    UNION ALL
    SELECT township_code, village_code, has_measure, enrolled_month, eliminated_month, households
    FROM mart_monitoring
    WHERE :township <> '' AND township_code = :township AND (:village = '' OR village_code = :village)
),
-- A household counts at a month's end from its enrolment month until the month before its elimination:
-- +households at enrolment, -households at elimination, summed up to each end. The changes are first
-- collapsed to the view's units and months (a few thousand rows), so the join to the ends stays small.
changes AS (
    SELECT CASE WHEN :by = 'township' OR :cols = 'township' THEN township_code ELSE '' END AS township_key,
           CASE WHEN :by = 'village' OR :cols = 'village' THEN village_code ELSE '' END AS village_key,
           month, sum(households) AS households,
           sum(CASE WHEN has_measure THEN 0 ELSE households END) AS without_measure
    FROM (
        SELECT township_code, village_code, has_measure, enrolled_month AS month, households FROM m
        UNION ALL
        SELECT township_code, village_code, has_measure, eliminated_month, -households
        FROM m WHERE eliminated_month IS NOT NULL
    ) c
    GROUP BY 1, 2, 3
)
SELECT row_key, col_key, sum(households) AS monitored, sum(without_measure) AS without_measure
FROM (
    SELECT CASE :by WHEN 'township' THEN c.township_key WHEN 'village' THEN c.village_key
                    WHEN 'year' THEN substr(CAST(e.month AS VARCHAR), 1, 4)
                    WHEN 'month' THEN substr(CAST(e.month AS VARCHAR), 1, 7) ELSE '' END AS row_key,
           CASE :cols WHEN 'township' THEN c.township_key WHEN 'village' THEN c.village_key
                      WHEN 'year' THEN substr(CAST(e.month AS VARCHAR), 1, 4)
                      WHEN 'month' THEN substr(CAST(e.month AS VARCHAR), 1, 7) ELSE '' END AS col_key,
           c.households, c.without_measure
    FROM changes c JOIN ends e ON c.month <= e.month
) k
GROUP BY row_key, col_key
HAVING sum(households) <> 0  -- as many enrolled as eliminated: none at that end
ORDER BY row_key, col_key
