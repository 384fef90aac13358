-- warning_monitored_without_measure: one row per household under monitoring at the end of :day (not
-- eliminated by then: eliminated on :day is no longer under monitoring), enrolled on or before
-- :enrolled_by (= :day minus the rule's days, so exactly that many days counts) with no measure recorded.
-- Parameters: :day, :enrolled_by, :township ('' = county).
SELECT household_id AS subject, township_code, village_code, household_id, monitor_type, main_risk, enrolled_date
FROM fact_monitoring
WHERE enrolled_date <= :enrolled_by
  AND (eliminated_date IS NULL OR eliminated_date > :day)
  AND measure_count = 0
  AND (:township = '' OR township_code = :township)
