-- warning_township_payment_drop: one row per township whose distinct persons paid (either subsidy) in
-- :month are more than :drop_percent % below the median of its months with payments among the
-- previous months (the rule's previous_months) before; a township with fewer than :min_months such months is not judged.
-- Parameters: :month, :month_first (first of the previous months), :drop_percent, :min_months,
-- :township ('' = county).
WITH monthly AS (
    SELECT p.township_code, f.pay_month, count(DISTINCT f.person_id) AS persons
    FROM fact_subsidy_payment f JOIN dim_person p ON p.person_id = f.person_id
    WHERE f.pay_month BETWEEN :month_first AND :month
      AND (:township = '' OR p.township_code = :township)
    GROUP BY p.township_code, f.pay_month
),
prior AS (
    SELECT township_code, count(*) AS prior_months,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY persons) AS median_persons
    FROM monthly WHERE pay_month < :month
    GROUP BY township_code
)
SELECT b.township_code AS subject, b.township_code, CAST(NULL AS VARCHAR) AS village_code,
       coalesce(c.persons, 0) AS persons_paid, b.median_persons, b.prior_months
FROM prior b LEFT JOIN monthly c ON c.township_code = b.township_code AND c.pay_month = :month
WHERE b.prior_months >= :min_months
  AND coalesce(c.persons, 0) * 100 < b.median_persons * (100 - :drop_percent)
