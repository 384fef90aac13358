-- monitoring_by_month: one row per month in [:month_from, :month_to] with households newly enrolled
-- and with risk eliminated that month. Parameters: :month_from, :month_to, :township, :village.
-- Township mart for the county, village mart inside one township.
WITH m AS (
    SELECT enrolled_month, eliminated_month, households FROM mart_monitoring_town WHERE :township = ''
    UNION ALL
    SELECT enrolled_month, eliminated_month, households FROM mart_monitoring
    WHERE :township <> '' AND township_code = :township AND (:village = '' OR village_code = :village)
)
SELECT month, sum(enrolled) AS enrolled, sum(eliminated) AS eliminated
FROM (
    SELECT enrolled_month AS month, households AS enrolled, 0 AS eliminated FROM m
    UNION ALL
    SELECT eliminated_month, 0, households FROM m WHERE eliminated_month IS NOT NULL
) f
WHERE month BETWEEN :month_from AND :month_to
GROUP BY month
ORDER BY month
