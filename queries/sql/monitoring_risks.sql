-- monitoring_risks: one row per main risk × type: households under monitoring at :year_end.
-- Parameters: :year_end, :township, :village.
SELECT main_risk, monitor_type, sum(households) AS households
FROM mart_monitoring
WHERE enrolled_month <= :year_end AND (eliminated_month IS NULL OR eliminated_month > :year_end)
  AND (:township = '' OR township_code = :township) AND (:village = '' OR village_code = :village)
GROUP BY main_risk, monitor_type
ORDER BY main_risk, monitor_type
