-- data_months: one row per area of data: the first and the latest month it holds.
SELECT 'subsidy' AS area, min(pay_month) AS first_month, max(pay_month) AS last_month FROM mart_subsidy_month_town
UNION ALL
SELECT 'monitoring', min(enrolled_month), max(coalesce(eliminated_month, enrolled_month)) FROM mart_monitoring_town
