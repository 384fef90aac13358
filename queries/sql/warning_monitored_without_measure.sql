-- warning_monitored_without_measure: one row per household under monitoring at the end of :day (not
-- eliminated by then: eliminated on :day is no longer under monitoring), enrolled on or before
-- :enrolled_by (= :day minus the rule's days, so exactly that many days counts) with no measure recorded.
-- Parameters: :day, :enrolled_by, :township ('' = county).
SELECT m.household_id AS subject, m.township_code, m.village_code, m.household_id, m.monitor_type, m.main_risk, m.enrolled_date,
       (SELECT string_agg(CAST(p.person_id AS VARCHAR), ',' ORDER BY p.person_id) FROM dim_person p
        WHERE p.household_id = m.household_id) AS member_ids
FROM fact_monitoring m
WHERE m.enrolled_date <= :enrolled_by
  AND (m.eliminated_date IS NULL OR m.eliminated_date > :day)
  AND m.measure_count = 0
  AND (:township = '' OR m.township_code = :township)
