-- monitoring_risks: one row per main risk × type: households under monitoring at :year_end.
-- Parameters: :year_end, :township, :village. Township mart for the county, village mart inside one
-- township.
SELECT main_risk, monitor_type, sum(households) AS households
FROM (
    SELECT main_risk, monitor_type, enrolled_month, eliminated_month, households
    FROM mart_monitoring_town WHERE :township = ''
    UNION ALL
    SELECT main_risk, monitor_type, enrolled_month, eliminated_month, households
    FROM mart_monitoring
    WHERE :township <> '' AND township_code = :township AND (:village = '' OR village_code = :village)
) m
WHERE enrolled_month <= :year_end AND (eliminated_month IS NULL OR eliminated_month > :year_end)
GROUP BY main_risk, monitor_type
ORDER BY main_risk, monitor_type
