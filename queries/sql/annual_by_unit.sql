-- annual_by_unit: one row per township of the county (:township = '') or per village of :township,
-- for year :year; counts and sums only (rates are made from them in queries/report.py).
-- Parameters: :year (int), :year_start, :year_end (dates of 1 Jan and 31 Dec), :category (0 = all),
-- :level (0 = all), :township ('' = the county). Reads marts only.
WITH units AS (
    SELECT region_code AS unit_code, name
    FROM dim_region
    WHERE (:township = '' AND level = 'township') OR (level = 'village' AND township_code = :township)
),
persons AS (
    SELECT CASE WHEN :township = '' THEN township_code ELSE village_code END AS unit_code,
           sum(persons) AS persons, sum(living_eligible_persons) AS living_eligible,
           sum(nursing_eligible_persons) AS nursing_eligible
    FROM mart_person
    WHERE (:township = '' OR township_code = :township)
      AND (:category = 0 OR category_code = :category) AND (:level = 0 OR level_code = :level)
    GROUP BY 1
),
monitoring AS (
    SELECT CASE WHEN :township = '' THEN township_code ELSE village_code END AS unit_code,
           sum(households) FILTER (WHERE in_monitoring AND monitor_type = '脱贫不稳定户') AS monitored_unstable,
           sum(households) FILTER (WHERE in_monitoring AND monitor_type = '边缘易致贫户') AS monitored_marginal,
           sum(households) FILTER (WHERE in_monitoring AND monitor_type = '突发严重困难户') AS monitored_sudden,
           sum(households) FILTER (WHERE enrolled_month BETWEEN :year_start AND :year_end) AS enrolled,
           sum(households) FILTER (WHERE eliminated_month BETWEEN :year_start AND :year_end) AS eliminated,
           sum(households) FILTER (WHERE in_monitoring AND NOT has_measure) AS without_measure
    FROM (
        SELECT *, enrolled_month <= :year_end
                  AND (eliminated_month IS NULL OR eliminated_month > :year_end) AS in_monitoring
        FROM mart_monitoring
        WHERE (:township = '' OR township_code = :township)
    ) m
    GROUP BY 1
),
paid AS (
    SELECT CASE WHEN :township = '' THEN township_code ELSE village_code END AS unit_code,
           sum(persons) FILTER (WHERE subsidy_code = 'living') AS living_persons,
           sum(eligible_persons) FILTER (WHERE subsidy_code = 'living') AS living_eligible_paid,
           sum(persons) FILTER (WHERE subsidy_code = 'nursing') AS nursing_persons,
           sum(eligible_persons) FILTER (WHERE subsidy_code = 'nursing') AS nursing_eligible_paid
    FROM mart_subsidy_first_paid
    WHERE year = :year AND (:township = '' OR township_code = :township)
      AND (:category = 0 OR category_code = :category) AND (:level = 0 OR level_code = :level)
    GROUP BY 1
),
amounts AS (
    SELECT CASE WHEN :township = '' THEN township_code ELSE village_code END AS unit_code,
           sum(amount_yuan) FILTER (WHERE subsidy_code = 'living') AS living_amount_yuan,
           sum(amount_yuan) FILTER (WHERE subsidy_code = 'nursing') AS nursing_amount_yuan
    FROM mart_subsidy_month
    WHERE pay_month BETWEEN :year_start AND :year_end AND (:township = '' OR township_code = :township)
      AND (:category = 0 OR category_code = :category) AND (:level = 0 OR level_code = :level)
    GROUP BY 1
),
rehab AS (
    SELECT CASE WHEN :township = '' THEN township_code ELSE village_code END AS unit_code,
           sum(need_persons) AS rehab_need, sum(served_persons) AS rehab_served
    FROM mart_rehab
    WHERE year = :year AND (:township = '' OR township_code = :township)
      AND (:category = 0 OR category_code = :category) AND (:level = 0 OR level_code = :level)
    GROUP BY 1
),
bases AS (
    SELECT CASE WHEN :township = '' THEN township_code ELSE village_code END AS unit_code,
           count(*) AS bases, sum(placed_persons) AS base_placed
    FROM dim_employment_base
    WHERE recognised_year <= :year AND (:township = '' OR township_code = :township)
    GROUP BY 1
),
modifications AS (
    SELECT CASE WHEN :township = '' THEN township_code ELSE village_code END AS unit_code,
           sum(households) AS modification_planned,
           sum(households) FILTER (WHERE is_completed) AS modification_completed
    FROM mart_modification
    WHERE plan_year = :year AND (:township = '' OR township_code = :township)
    GROUP BY 1
)
SELECT u.unit_code, u.name,
       p.persons, p.living_eligible, p.nursing_eligible,
       m.monitored_unstable, m.monitored_marginal, m.monitored_sudden, m.enrolled, m.eliminated,
       m.without_measure,
       pd.living_persons, pd.living_eligible_paid, a.living_amount_yuan,
       pd.nursing_persons, pd.nursing_eligible_paid, a.nursing_amount_yuan,
       r.rehab_need, r.rehab_served, b.bases, b.base_placed,
       md.modification_planned, md.modification_completed
FROM units u
LEFT JOIN persons p ON p.unit_code = u.unit_code
LEFT JOIN monitoring m ON m.unit_code = u.unit_code
LEFT JOIN paid pd ON pd.unit_code = u.unit_code
LEFT JOIN amounts a ON a.unit_code = u.unit_code
LEFT JOIN rehab r ON r.unit_code = u.unit_code
LEFT JOIN bases b ON b.unit_code = u.unit_code
LEFT JOIN modifications md ON md.unit_code = u.unit_code
ORDER BY u.unit_code
