-- warning_monitored_over_24_months: one row per household under monitoring at the end of :day (not
-- eliminated by then), enrolled before :enrolled_before (= :day minus the rule's months: exactly that many
-- months is not "more than").
-- Parameters: :day, :enrolled_before, :township ('' = county).
SELECT m.household_id AS subject, m.township_code, m.village_code, m.household_id, m.monitor_type, m.main_risk,
       m.measure_count, m.enrolled_date,
       (SELECT string_agg(CAST(p.person_id AS VARCHAR), ',' ORDER BY p.person_id) FROM dim_person p
        WHERE p.household_id = m.household_id) AS member_ids
FROM fact_monitoring m
WHERE m.enrolled_date < :enrolled_before
  AND (m.eliminated_date IS NULL OR m.eliminated_date > :day)
  AND (:township = '' OR m.township_code = :township)
