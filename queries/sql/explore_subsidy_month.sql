-- explore_subsidy_month: 指标分析, per subsidy, the persons paid in a month and of them the eligible, and the
-- eligible at that month's end (eligibility flag as imported, certificate issued by the month's end or undated),
-- at months of [:month_from, :month_to] (first days): every month (:snap = 'month'), each year's last month in
-- the range (:snap = 'year'), or :month_to only (:snap = 'end'); per :by key (× :cols key): township, village,
-- category, level, year, month. Parameters: :by, :cols, :snap, :month_from, :month_to, :township, :village,
-- :category, :level, :first_end, :eligible (1: count the eligible at each month's end, which only the coverage metrics
-- need; 0: their columns are 0 and that part is not run). Township marts for the county, village marts inside
-- one township. Keys are text.
-- The months as a recursive CTE: the one series DuckDB, PostgreSQL and ClickHouse all write the same way.
WITH RECURSIVE snaps AS (
    SELECT CAST(:month_from AS DATE) AS month
    UNION ALL
    SELECT CAST(month + INTERVAL '1 month' AS DATE) FROM snaps WHERE month < CAST(:month_to AS DATE)
),
ends AS (
    SELECT month, CAST(EXTRACT(YEAR FROM month) * 100 + EXTRACT(MONTH FROM month) AS INTEGER) AS ym FROM snaps
    WHERE :snap = 'month' OR month = :month_to OR (:snap = 'year' AND EXTRACT(MONTH FROM month) = 12)
),
-- The eligible summed to the view's units by the month their certificate was issued, then counted at every
-- end from that month on. Certificates issued by the first end (:first_end, year × 100 + month) count at every
-- end: they are one row per unit (counted_from 0), which keeps the join to the ends small (most certificates
-- are older than any period a view asks for).
e AS (
    SELECT CASE :by WHEN 'township' THEN township_code WHEN 'village' THEN village_code
                  WHEN 'category' THEN CAST(category_code AS VARCHAR) WHEN 'level' THEN CAST(level_code AS VARCHAR) ELSE '' END AS row_unit,
           CASE :cols WHEN 'township' THEN township_code WHEN 'village' THEN village_code
                    WHEN 'category' THEN CAST(category_code AS VARCHAR) WHEN 'level' THEN CAST(level_code AS VARCHAR) ELSE '' END AS col_unit,
           CASE WHEN issued_month <= :first_end THEN 0 ELSE issued_month END AS counted_from,
           sum(living_eligible_persons) AS living_eligible, sum(nursing_eligible_persons) AS nursing_eligible
    FROM (
        SELECT township_code, '' AS village_code, category_code, level_code, issued_month, living_eligible_persons,
               nursing_eligible_persons
        FROM mart_eligible_month_town WHERE :township = ''
        UNION ALL
        SELECT township_code, village_code, category_code, level_code, issued_month, living_eligible_persons,
               nursing_eligible_persons
        FROM mart_eligible_month
        WHERE :township <> '' AND township_code = :township AND (:village = '' OR village_code = :village)
    ) m
    WHERE (:category = 0 OR category_code = :category) AND (:level = 0 OR level_code = :level)
    GROUP BY 1, 2, 3
),
p AS (
    SELECT CASE :by WHEN 'township' THEN township_code WHEN 'village' THEN village_code
                  WHEN 'category' THEN CAST(category_code AS VARCHAR) WHEN 'level' THEN CAST(level_code AS VARCHAR) ELSE '' END AS row_unit,
           CASE :cols WHEN 'township' THEN township_code WHEN 'village' THEN village_code
                    WHEN 'category' THEN CAST(category_code AS VARCHAR) WHEN 'level' THEN CAST(level_code AS VARCHAR) ELSE '' END AS col_unit,
           pay_month, sum(living_persons) AS living_paid, sum(living_eligible_persons) AS living_month_eligible_paid,
           sum(nursing_persons) AS nursing_paid, sum(nursing_eligible_persons) AS nursing_month_eligible_paid
    FROM (
        SELECT township_code, '' AS village_code, category_code, level_code, pay_month, living_persons,
               living_eligible_persons, nursing_persons, nursing_eligible_persons
        FROM mart_subsidy_paid_month_town WHERE :township = ''
        UNION ALL
        SELECT township_code, village_code, category_code, level_code, pay_month, living_persons,
               living_eligible_persons, nursing_persons, nursing_eligible_persons
        FROM mart_subsidy_paid_month
        WHERE :township <> '' AND township_code = :township AND (:village = '' OR village_code = :village)
    ) m
    WHERE pay_month BETWEEN :month_from AND :month_to
      AND (:category = 0 OR category_code = :category) AND (:level = 0 OR level_code = :level)
    GROUP BY 1, 2, 3
),
u AS (
    SELECT e.row_unit, e.col_unit, d.month, e.living_eligible, e.nursing_eligible, 0 AS living_paid,
           0 AS living_month_eligible_paid, 0 AS nursing_paid, 0 AS nursing_month_eligible_paid
    FROM e JOIN ends d ON e.counted_from <= d.ym
    WHERE :eligible = 1
    UNION ALL
    SELECT p.row_unit, p.col_unit, d.month, 0, 0, p.living_paid, p.living_month_eligible_paid, p.nursing_paid,
           p.nursing_month_eligible_paid
    FROM p JOIN ends d ON p.pay_month = d.month
)
SELECT CASE :by WHEN 'year' THEN substr(CAST(month AS VARCHAR), 1, 4)
                WHEN 'month' THEN substr(CAST(month AS VARCHAR), 1, 7) ELSE row_unit END AS row_key,
       CASE :cols WHEN 'year' THEN substr(CAST(month AS VARCHAR), 1, 4)
                  WHEN 'month' THEN substr(CAST(month AS VARCHAR), 1, 7) ELSE col_unit END AS col_key,
       sum(living_paid) AS living_paid, sum(living_month_eligible_paid) AS living_month_eligible_paid,
       sum(living_eligible) AS living_month_eligible,
       sum(nursing_paid) AS nursing_paid, sum(nursing_month_eligible_paid) AS nursing_month_eligible_paid,
       sum(nursing_eligible) AS nursing_month_eligible
FROM u
GROUP BY 1, 2
ORDER BY 1, 2
