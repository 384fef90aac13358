-- warning_unpaid_two_months: one row per person (证件状态正常, eligible for a subsidy by the importer's
-- config/eligibility.yaml columns) who was paid that subsidy in none of the last :months payment months up
-- to :month (no row while the data holds fewer than :months payment months).
-- Parameters: :month (first day of the subsidy data's last month), :months, :township ('' = county).
WITH pay_months AS (
    SELECT pay_month FROM (SELECT DISTINCT pay_month FROM mart_subsidy_month_town WHERE pay_month <= :month) m
    ORDER BY pay_month DESC LIMIT :months
),
eligible AS (
    SELECT p.person_id, p.household_id, p.township_code, p.village_code, p.category_code, p.level_code,
           s.subsidy_code
    FROM dim_person p CROSS JOIN (VALUES ('living'), ('nursing')) AS s (subsidy_code)
    WHERE p.is_active
      AND CASE s.subsidy_code WHEN 'living' THEN p.is_living_eligible ELSE p.is_nursing_eligible END
      AND (:township = '' OR p.township_code = :township)
)
SELECT e.person_id AS subject, e.township_code, e.village_code, e.household_id, e.category_code, e.level_code,
       max(CASE WHEN e.subsidy_code = 'living' THEN 1 ELSE 0 END) AS unpaid_living,
       max(CASE WHEN e.subsidy_code = 'nursing' THEN 1 ELSE 0 END) AS unpaid_nursing
FROM eligible e
WHERE (SELECT count(*) FROM pay_months) = :months
  AND NOT EXISTS (SELECT 1 FROM fact_subsidy_payment f
                  WHERE f.person_id = e.person_id AND f.subsidy_code = e.subsidy_code
                    AND f.pay_month IN (SELECT pay_month FROM pay_months))
GROUP BY e.person_id, e.township_code, e.village_code, e.household_id, e.category_code, e.level_code
