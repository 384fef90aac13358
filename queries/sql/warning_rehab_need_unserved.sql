-- warning_rehab_need_unserved: one row per person (证件状态正常) with a rehab need recorded for :year and
-- no service dated on or before :served_by; no row unless :applies = 1 (the data has reached the rule's
-- month of the year).
-- Parameters: :year, :served_by, :applies, :township ('' = county).
SELECT p.person_id AS subject, p.township_code, p.village_code, p.household_id, p.category_code, p.level_code,
       count(*) AS need_rows, min(r.service_type) AS service_type
FROM fact_rehab_service r JOIN dim_person p ON p.person_id = r.person_id
WHERE r.year = :year AND p.is_active AND :applies = 1
  AND (:township = '' OR p.township_code = :township)
GROUP BY p.person_id, p.township_code, p.village_code, p.household_id, p.category_code, p.level_code
HAVING sum(CASE WHEN r.service_date <= :served_by THEN 1 ELSE 0 END) = 0
