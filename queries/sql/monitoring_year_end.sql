-- monitoring_year_end: households under the monitoring mart at :year_end, one row per type × main risk:
-- enrolled by :year_end, of them with a measure recorded, with risk eliminated by :year_end, and their
-- total months from enrolment to elimination; the same for those eliminated within the year (:year_start
-- to :year_end), whose mean the year's sentence quotes; households still under monitoring at :year_end,
-- and of them without a measure recorded (without_measure). Every column is a sum, so the per-type path is
-- the sum of a type's rows (queries/dashboard.py: cheaper than a second grouping set here).
-- Parameters: :year_start, :year_end, :township, :village. Township mart for the county, village mart inside one
-- township.
SELECT monitor_type, main_risk,
       sum(households) AS enrolled,
       sum(households) FILTER (WHERE has_measure) AS with_measure,
       sum(households) FILTER (WHERE eliminated_month <= :year_end) AS eliminated,
       sum(households * ((EXTRACT(YEAR FROM eliminated_month) - EXTRACT(YEAR FROM enrolled_month)) * 12
                         + EXTRACT(MONTH FROM eliminated_month) - EXTRACT(MONTH FROM enrolled_month)))
           FILTER (WHERE eliminated_month <= :year_end) AS months_to_eliminate,
       sum(households) FILTER (WHERE eliminated_month BETWEEN :year_start AND :year_end) AS eliminated_in_year,
       sum(households * ((EXTRACT(YEAR FROM eliminated_month) - EXTRACT(YEAR FROM enrolled_month)) * 12
                         + EXTRACT(MONTH FROM eliminated_month) - EXTRACT(MONTH FROM enrolled_month)))
           FILTER (WHERE eliminated_month BETWEEN :year_start AND :year_end) AS months_in_year,
       sum(households) FILTER (WHERE eliminated_month IS NULL OR eliminated_month > :year_end) AS households,
       sum(households) FILTER (WHERE NOT has_measure AND (eliminated_month IS NULL OR eliminated_month > :year_end))
           AS without_measure
FROM (
    SELECT monitor_type, main_risk, has_measure, enrolled_month, eliminated_month, households
    FROM mart_monitoring_town WHERE :township = ''
    UNION ALL
    SELECT monitor_type, main_risk, has_measure, enrolled_month, eliminated_month, households
    FROM mart_monitoring
    WHERE :township <> '' AND township_code = :township AND (:village = '' OR village_code = :village)
) m
WHERE enrolled_month <= :year_end
GROUP BY monitor_type, main_risk
ORDER BY main_risk, monitor_type
