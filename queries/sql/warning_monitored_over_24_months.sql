-- warning_monitored_over_24_months: one row per household under monitoring at the end of :day (not
-- eliminated by then), enrolled before :enrolled_before (= :day minus the rule's months: exactly that many
-- months is not "more than").
-- Parameters: :day, :enrolled_before, :township ('' = county).
SELECT household_id AS subject, township_code, village_code, household_id, monitor_type, main_risk,
       measure_count, enrolled_date
FROM fact_monitoring
WHERE enrolled_date < :enrolled_before
  AND (eliminated_date IS NULL OR eliminated_date > :day)
  AND (:township = '' OR township_code = :township)
