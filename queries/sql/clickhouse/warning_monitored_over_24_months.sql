-- warning_monitored_over_24_months (ClickHouse): the shared statement with the members' ids joined from a grouped subquery, since
-- ClickHouse has no ordered aggregate (string_agg(… ORDER BY …)): groupArray sorted by arraySort.
-- warning_monitored_over_24_months: one row per household under monitoring at the end of :day (not
-- eliminated by then), enrolled before :enrolled_before (= :day minus the rule's months: exactly that many
-- months is not "more than").
-- Parameters: :day, :enrolled_before, :township ('' = county).
SELECT m.household_id AS subject, m.township_code, m.village_code, m.household_id, m.monitor_type, m.main_risk,
       m.measure_count, m.enrolled_date,
       h.member_ids
FROM fact_monitoring m
LEFT JOIN (
    SELECT household_id, arrayStringConcat(arrayMap(x -> toString(x), arraySort(groupArray(person_id))), ',') AS member_ids
    FROM dim_person GROUP BY household_id
) h ON h.household_id = m.household_id
WHERE m.enrolled_date < :enrolled_before
  AND (m.eliminated_date IS NULL OR m.eliminated_date > :day)
  AND (:township = '' OR m.township_code = :township)
