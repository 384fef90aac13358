-- data_months: one row per area of data: the first and the latest month it holds (in this order: a UNION ALL
-- alone has none on ClickHouse).
SELECT area, first_month, last_month FROM (
    SELECT 'subsidy' AS area, min(pay_month) AS first_month, max(pay_month) AS last_month, 1 AS place
    FROM mart_subsidy_month_town
    UNION ALL
    SELECT 'monitoring', min(enrolled_month), max(coalesce(eliminated_month, enrolled_month)), 2 FROM mart_monitoring_town
) AS spans
ORDER BY place
