-- monitoring_by_month: one row per month in [:month_from, :month_to] with households newly enrolled
-- and with risk eliminated that month. Parameters: :month_from, :month_to, :township, :village.
SELECT month, sum(enrolled) AS enrolled, sum(eliminated) AS eliminated
FROM (
    SELECT enrolled_month AS month, households AS enrolled, 0 AS eliminated
    FROM mart_monitoring
    WHERE (:township = '' OR township_code = :township) AND (:village = '' OR village_code = :village)
    UNION ALL
    SELECT eliminated_month, 0, households
    FROM mart_monitoring
    WHERE eliminated_month IS NOT NULL
      AND (:township = '' OR township_code = :township) AND (:village = '' OR village_code = :village)
) m
WHERE month BETWEEN :month_from AND :month_to
GROUP BY month
ORDER BY month
