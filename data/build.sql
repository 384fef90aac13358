-- Builds the warehouse tables from the validated staging tables (v_*), in the importer's
-- in-memory DuckDB. Only the tables listed in data/importer.py WAREHOUSE_TABLES leave it.
-- Grain of every table: docs/warehouse.md.

CREATE TABLE dim_region AS
SELECT region_code, name,
       CASE level WHEN '县' THEN 'county' WHEN '乡镇' THEN 'township' ELSE 'village' END AS level,
       coalesce(parent_code_given,
                CASE level WHEN '村' THEN substr(region_code, 1, 9) || '000'
                           WHEN '乡镇' THEN substr(region_code, 1, 6) || '000000' END) AS parent_code,
       CASE level WHEN '村' THEN substr(region_code, 1, 9) || '000'
                  WHEN '乡镇' THEN region_code END AS township_code,
       CASE WHEN name LIKE '%街道' THEN '街道' WHEN name LIKE '%开发区' OR name LIKE '%园区' THEN '开发区'
            WHEN name LIKE '%乡' THEN '乡' WHEN name LIKE '%镇' THEN '镇'
            WHEN name LIKE '%社区' THEN '社区' WHEN name LIKE '%村' THEN '村' ELSE '' END AS kind
FROM v_regions
ORDER BY region_code;

CREATE TABLE dim_person AS
SELECT person_id, household_id, village_code, substr(village_code, 1, 9) || '000' AS township_code,
       CASE sex WHEN '男' THEN 'M' ELSE 'F' END AS sex,
       CAST(substr(cert, 7, 4) AS INTEGER) AS birth_year, CAST(substr(cert, 11, 2) AS INTEGER) AS birth_month,
       CAST(substr(cert, 19, 1) AS INTEGER) AS category_code, CAST(substr(cert, 20, 1) AS INTEGER) AS level_code,
       is_dibao = '是' AS is_dibao, is_tuopin = '是' AS is_tuopin, status = '正常' AS is_active,
       issued_date, is_living_eligible, is_nursing_eligible
FROM v_persons
ORDER BY township_code, village_code, person_id;

-- A household belongs to the village (and so the township) of its members; the first in code order if they differ.
CREATE TABLE dim_household AS
SELECT household_id, min(village_code) AS village_code, substr(min(village_code), 1, 9) || '000' AS township_code,
       count(*) AS members, count(*) FILTER (WHERE level_code <= 2) AS severe_members
FROM dim_person
GROUP BY household_id
ORDER BY township_code, village_code, household_id;

CREATE TABLE fact_monitoring AS
SELECT h.household_id, h.village_code, h.township_code, m.monitor_type, m.main_risk,
       len(list_filter(regexp_split_to_array(m.measures, '[；;]'), lambda x: trim(x) <> '')) AS measure_count,
       m.enrolled_date, m.eliminated_date
FROM v_monitoring m JOIN v_household_key k USING (household_key) JOIN dim_household h USING (household_id)
ORDER BY h.township_code, m.enrolled_date;

CREATE TABLE fact_subsidy_payment AS
SELECT k.person_id, CASE s.subsidy_label WHEN '困难残疾人生活补贴' THEN 'living' ELSE 'nursing' END AS subsidy_code,
       s.pay_month, s.amount_yuan
FROM v_payments s JOIN v_person_key k USING (cert)
ORDER BY s.pay_month, k.person_id;

CREATE TABLE fact_rehab_service AS
SELECT k.person_id, r.year, r.service_type, r.service_date
FROM v_rehab r JOIN v_person_key k USING (cert)
ORDER BY r.year, k.person_id;

CREATE TABLE dim_employment_base AS
SELECT base_id, name, base_type, village_code, substr(village_code, 1, 9) || '000' AS township_code,
       lon, lat, placed_persons, coalesce(households_lifted, 0) AS households_lifted,
       coalesce(funding_wan_yuan, 0) AS funding_wan_yuan, recognised_year
FROM v_bases
ORDER BY township_code, base_id;

CREATE TABLE fact_employment AS
SELECT k.person_id, e.year, e.form, e.base_id
FROM v_employment e JOIN v_person_key k USING (cert)
ORDER BY e.year, k.person_id;

CREATE TABLE fact_modification AS
SELECT h.household_id, h.village_code, h.township_code, m.plan_year, m.completed_date, m.amount_yuan
FROM v_modification m JOIN v_household_key k USING (household_key) JOIN dim_household h USING (household_id)
ORDER BY m.plan_year, h.township_code;

CREATE TABLE fact_care AS
SELECT k.person_id, c.year, c.care_type
FROM v_care c JOIN v_person_key k USING (cert)
ORDER BY c.year, k.person_id;

-- Marts: what the dashboard reads. Every count of persons is exact because a person has one
-- village, category and level, so these rows add up across villages, categories and levels.

CREATE TABLE mart_person AS
SELECT township_code, village_code, category_code, level_code, sex,
       count(*) FILTER (WHERE is_active) AS persons,
       count(*) FILTER (WHERE is_living_eligible) AS living_eligible_persons,
       count(*) FILTER (WHERE is_nursing_eligible) AS nursing_eligible_persons
FROM dim_person
GROUP BY ALL
ORDER BY township_code, village_code;

CREATE TABLE mart_subsidy_month AS
SELECT p.township_code, p.village_code, p.category_code, p.level_code, f.subsidy_code, f.pay_month,
       count(*) AS payments, sum(f.amount_yuan) AS amount_yuan
FROM fact_subsidy_payment f JOIN dim_person p USING (person_id)
GROUP BY ALL
ORDER BY f.pay_month, p.township_code;

-- Distinct persons paid from January to month M of a year = the sum of rows with first_month <= M.
CREATE TABLE mart_subsidy_first_paid AS
WITH firsts AS (
    SELECT person_id, subsidy_code, year(pay_month) AS year, month(min(pay_month)) AS first_month
    FROM fact_subsidy_payment GROUP BY person_id, subsidy_code, year(pay_month)
)
SELECT p.township_code, p.village_code, p.category_code, p.level_code, f.subsidy_code, f.year, f.first_month,
       count(*) AS persons,
       count(*) FILTER (WHERE CASE f.subsidy_code WHEN 'living' THEN p.is_living_eligible
                                                  ELSE p.is_nursing_eligible END) AS eligible_persons
FROM firsts f JOIN dim_person p USING (person_id)
GROUP BY ALL
ORDER BY f.year, p.township_code;

CREATE TABLE mart_rehab AS
WITH person_year AS (
    SELECT person_id, year, bool_or(service_date IS NOT NULL) AS served
    FROM fact_rehab_service GROUP BY person_id, year
)
SELECT p.township_code, p.village_code, p.category_code, p.level_code, y.year,
       y.year - p.birth_year <= 16 AS is_child,
       count(*) AS need_persons, count(*) FILTER (WHERE y.served) AS served_persons
FROM person_year y JOIN dim_person p USING (person_id)
GROUP BY ALL
ORDER BY y.year, p.township_code;

CREATE TABLE mart_rehab_type AS
WITH person_type AS (
    SELECT person_id, year, service_type, bool_or(service_date IS NOT NULL) AS served
    FROM fact_rehab_service GROUP BY person_id, year, service_type
)
SELECT p.township_code, p.village_code, p.category_code, p.level_code, t.year, t.service_type,
       count(*) AS need_persons, count(*) FILTER (WHERE t.served) AS served_persons
FROM person_type t JOIN dim_person p USING (person_id)
GROUP BY ALL
ORDER BY t.year, p.township_code;

CREATE TABLE mart_monitoring AS
SELECT township_code, village_code, monitor_type, main_risk, measure_count > 0 AS has_measure,
       CAST(date_trunc('month', enrolled_date) AS DATE) AS enrolled_month,
       CAST(date_trunc('month', eliminated_date) AS DATE) AS eliminated_month,
       count(*) AS households
FROM fact_monitoring
GROUP BY ALL
ORDER BY township_code, village_code;

CREATE TABLE mart_employment AS
SELECT p.township_code, p.village_code, p.category_code, p.level_code, e.year, e.form,
       count(DISTINCT e.person_id) AS persons, count(DISTINCT e.person_id) FILTER (WHERE e.base_id IS NOT NULL) AS persons_at_base
FROM fact_employment e JOIN dim_person p USING (person_id)
GROUP BY ALL
ORDER BY e.year, p.township_code;

CREATE TABLE mart_modification AS
SELECT township_code, village_code, plan_year, completed_date IS NOT NULL AS is_completed,
       count(*) AS households, sum(amount_yuan) AS amount_yuan
FROM fact_modification
GROUP BY ALL
ORDER BY plan_year, township_code;

CREATE TABLE mart_care AS
SELECT p.township_code, p.village_code, p.category_code, p.level_code, c.year, c.care_type,
       count(DISTINCT c.person_id) AS persons
FROM fact_care c JOIN dim_person p USING (person_id)
GROUP BY ALL
ORDER BY c.year, p.township_code;

-- Cross-programme gap: severe (一/二级), active persons in households under monitoring at the end of a
-- year, and how many of them got no nursing subsidy / no rehab service in that year.
CREATE TABLE mart_severe_monitored AS
WITH years AS (
    SELECT DISTINCT year(pay_month) AS year FROM fact_subsidy_payment
    UNION SELECT DISTINCT year FROM fact_rehab_service
),
monitored AS (
    SELECT DISTINCT y.year, m.household_id
    FROM fact_monitoring m JOIN years y
      ON m.enrolled_date <= make_date(y.year, 12, 31)
     AND (m.eliminated_date IS NULL OR m.eliminated_date > make_date(y.year, 12, 31))
),
severe AS (
    SELECT m.year, p.person_id, p.township_code, p.village_code, p.category_code, p.level_code
    FROM monitored m JOIN dim_person p USING (household_id)
    WHERE p.level_code <= 2 AND p.is_active
),
nursing AS (
    SELECT DISTINCT person_id, year(pay_month) AS year FROM fact_subsidy_payment WHERE subsidy_code = 'nursing'
),
rehab AS (
    SELECT DISTINCT person_id, year FROM fact_rehab_service WHERE service_date IS NOT NULL
)
SELECT s.township_code, s.village_code, s.category_code, s.level_code, s.year,
       count(*) AS severe_persons,
       count(*) FILTER (WHERE n.person_id IS NULL) AS without_nursing,
       count(*) FILTER (WHERE r.person_id IS NULL) AS without_rehab,
       count(*) FILTER (WHERE n.person_id IS NULL OR r.person_id IS NULL) AS without_either
FROM severe s
LEFT JOIN nursing n ON n.person_id = s.person_id AND n.year = s.year
LEFT JOIN rehab r ON r.person_id = s.person_id AND r.year = s.year
GROUP BY ALL
ORDER BY s.year, s.township_code;
