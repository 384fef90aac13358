-- Builds the warehouse tables from the validated staging tables (v_*) of the importer's staging DuckDB,
-- straight into the new warehouse file; it must create exactly data/importer.py WAREHOUSE_TABLES.
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

-- issued_year: a past year counts the certificates issued by its end (0 when the extract has no date).
CREATE TABLE mart_person AS
SELECT township_code, village_code, category_code, level_code, sex,
       coalesce(CAST(year(issued_date) AS INTEGER), 0) AS issued_year,
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
ORDER BY p.township_code, p.village_code, f.pay_month;

-- Distinct persons paid from January to month M of a year = the sum of rows with first_month <= M.
-- eligible_persons: of them, those eligible whose certificate was issued by the year's end (or has no date),
-- so that it is a part of mart_person's eligible of that year: a coverage never exceeds 100 %, even when
-- the register's 发证日期 is a re-issue (换证) later than the payments.
CREATE TABLE mart_subsidy_first_paid AS
WITH firsts AS (
    SELECT person_id, subsidy_code, year(pay_month) AS year, month(min(pay_month)) AS first_month
    FROM fact_subsidy_payment GROUP BY person_id, subsidy_code, year(pay_month)
)
SELECT p.township_code, p.village_code, p.category_code, p.level_code, f.subsidy_code, f.year, f.first_month,
       count(*) AS persons,
       count(*) FILTER (WHERE CASE f.subsidy_code WHEN 'living' THEN p.is_living_eligible
                                                  ELSE p.is_nursing_eligible END
                               AND coalesce(year(p.issued_date) <= f.year, true)) AS eligible_persons
FROM firsts f JOIN dim_person p USING (person_id)
GROUP BY ALL
ORDER BY p.township_code, p.village_code, f.year;

-- 指标分析's monthly questions. Distinct persons paid in a month, a column per subsidy (one row per unit and
-- month: the query sums columns, no per-row choice of subsidy); *_eligible_persons: of them those
-- eligible (the importer's flag) whose certificate was issued by that month's end (or has no date), so that
-- it is a part of mart_eligible_month's eligible at that month's end (a monthly coverage never exceeds 100 %).
CREATE TABLE mart_subsidy_paid_month AS
WITH paid AS (SELECT DISTINCT person_id, subsidy_code, pay_month FROM fact_subsidy_payment),
flagged AS (
    SELECT p.township_code, p.village_code, p.category_code, p.level_code, f.subsidy_code, f.pay_month,
           CASE f.subsidy_code WHEN 'living' THEN p.is_living_eligible ELSE p.is_nursing_eligible END
           AND coalesce(p.issued_date < f.pay_month + INTERVAL 1 MONTH, true) AS eligible
    FROM paid f JOIN dim_person p USING (person_id)
)
SELECT township_code, village_code, category_code, level_code, pay_month,
       count(*) FILTER (WHERE subsidy_code = 'living') AS living_persons,
       count(*) FILTER (WHERE subsidy_code = 'living' AND eligible) AS living_eligible_persons,
       count(*) FILTER (WHERE subsidy_code = 'nursing') AS nursing_persons,
       count(*) FILTER (WHERE subsidy_code = 'nursing' AND eligible) AS nursing_eligible_persons
FROM flagged
GROUP BY ALL
ORDER BY township_code, village_code, pay_month;

-- The eligible of each subsidy by the month their certificate was issued (issued_month = year * 100 + month,
-- 0 without a date): eligible at a month's end = the sum over issued_month <= that month.
CREATE TABLE mart_eligible_month AS
SELECT township_code, village_code, category_code, level_code,
       coalesce(CAST(year(issued_date) * 100 + month(issued_date) AS INTEGER), 0) AS issued_month,
       count(*) FILTER (WHERE is_living_eligible) AS living_eligible_persons,
       count(*) FILTER (WHERE is_nursing_eligible) AS nursing_eligible_persons
FROM dim_person
WHERE is_living_eligible OR is_nursing_eligible
GROUP BY ALL
ORDER BY township_code, village_code, issued_month;

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
ORDER BY p.township_code, p.village_code, y.year;

CREATE TABLE mart_rehab_type AS
WITH person_type AS (
    SELECT person_id, year, service_type, bool_or(service_date IS NOT NULL) AS served
    FROM fact_rehab_service GROUP BY person_id, year, service_type
)
SELECT p.township_code, p.village_code, p.category_code, p.level_code, t.year, t.service_type,
       count(*) AS need_persons, count(*) FILTER (WHERE t.served) AS served_persons
FROM person_type t JOIN dim_person p USING (person_id)
GROUP BY ALL
ORDER BY p.township_code, p.village_code, t.year;

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
ORDER BY p.township_code, p.village_code, e.year;

CREATE TABLE mart_modification AS
SELECT township_code, village_code, plan_year, completed_date IS NOT NULL AS is_completed,
       count(*) AS households, sum(amount_yuan) AS amount_yuan
FROM fact_modification
GROUP BY ALL
ORDER BY township_code, village_code, plan_year;

CREATE TABLE mart_care AS
SELECT p.township_code, p.village_code, p.category_code, p.level_code, c.year, c.care_type,
       count(DISTINCT c.person_id) AS persons
FROM fact_care c JOIN dim_person p USING (person_id)
GROUP BY ALL
ORDER BY p.township_code, p.village_code, c.year;

-- Cross-programme gap: severe (一/二级), active persons in households under monitoring at the end of a
-- year, and how many of them got no nursing subsidy / no rehab service in that year.
-- Every year any of the three datasets speaks of: a year with monitoring but no payments or rehab yet still
-- counts its severe persons in monitored households (the pages say that the other datasets end earlier).
CREATE TABLE mart_severe_monitored AS
WITH spoken AS (
    SELECT year(pay_month) AS year FROM fact_subsidy_payment
    UNION SELECT year FROM fact_rehab_service
    UNION SELECT year(enrolled_date) FROM fact_monitoring
    UNION SELECT year(eliminated_date) FROM fact_monitoring WHERE eliminated_date IS NOT NULL
),
years AS (
    SELECT range AS year FROM range(CAST((SELECT min(year) FROM spoken) AS BIGINT),
                                    CAST((SELECT max(year) FROM spoken) AS BIGINT) + 1)
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
ORDER BY s.township_code, s.village_code, s.year;

-- Township marts: each village mart summed over its villages (the same grain without village_code).
-- The county view reads these (about 1/14 of the rows at province scale); the village marts are read
-- only when the view is drilled into one township. Sorted by time first, so a year or a month range
-- reads only its row groups.
CREATE TABLE mart_person_town AS
SELECT township_code, category_code, level_code, sex, issued_year, sum(persons) AS persons,
       sum(living_eligible_persons) AS living_eligible_persons, sum(nursing_eligible_persons) AS nursing_eligible_persons
FROM mart_person GROUP BY ALL ORDER BY township_code, category_code, level_code, sex, issued_year;

CREATE TABLE mart_subsidy_month_town AS
SELECT township_code, category_code, level_code, subsidy_code, pay_month,
       sum(payments) AS payments, sum(amount_yuan) AS amount_yuan
FROM mart_subsidy_month GROUP BY ALL ORDER BY pay_month, township_code, subsidy_code;

CREATE TABLE mart_subsidy_first_paid_town AS
SELECT township_code, category_code, level_code, subsidy_code, year, first_month,
       sum(persons) AS persons, sum(eligible_persons) AS eligible_persons
FROM mart_subsidy_first_paid GROUP BY ALL ORDER BY year, township_code, first_month;

CREATE TABLE mart_subsidy_paid_month_town AS
SELECT township_code, category_code, level_code, pay_month,
       sum(living_persons) AS living_persons, sum(living_eligible_persons) AS living_eligible_persons,
       sum(nursing_persons) AS nursing_persons, sum(nursing_eligible_persons) AS nursing_eligible_persons
FROM mart_subsidy_paid_month GROUP BY ALL ORDER BY pay_month, township_code;

CREATE TABLE mart_eligible_month_town AS
SELECT township_code, category_code, level_code, issued_month,
       sum(living_eligible_persons) AS living_eligible_persons, sum(nursing_eligible_persons) AS nursing_eligible_persons
FROM mart_eligible_month GROUP BY ALL ORDER BY township_code, issued_month;

CREATE TABLE mart_rehab_town AS
SELECT township_code, category_code, level_code, year, is_child,
       sum(need_persons) AS need_persons, sum(served_persons) AS served_persons
FROM mart_rehab GROUP BY ALL ORDER BY year, township_code;

CREATE TABLE mart_rehab_type_town AS
SELECT township_code, category_code, level_code, year, service_type,
       sum(need_persons) AS need_persons, sum(served_persons) AS served_persons
FROM mart_rehab_type GROUP BY ALL ORDER BY year, township_code;

CREATE TABLE mart_monitoring_town AS
SELECT township_code, monitor_type, main_risk, has_measure, enrolled_month, eliminated_month,
       sum(households) AS households
FROM mart_monitoring GROUP BY ALL ORDER BY enrolled_month, township_code;

CREATE TABLE mart_employment_town AS
SELECT township_code, category_code, level_code, year, form,
       sum(persons) AS persons, sum(persons_at_base) AS persons_at_base
FROM mart_employment GROUP BY ALL ORDER BY year, township_code;

CREATE TABLE mart_modification_town AS
SELECT township_code, plan_year, is_completed, sum(households) AS households, sum(amount_yuan) AS amount_yuan
FROM mart_modification GROUP BY ALL ORDER BY plan_year, township_code;

CREATE TABLE mart_care_town AS
SELECT township_code, category_code, level_code, year, care_type, sum(persons) AS persons
FROM mart_care GROUP BY ALL ORDER BY year, township_code;

-- Household counts by year (not narrowed by category or level): monitoring at the end of the year,
-- enrolled and eliminated in it, employment bases recognised by it, modifications planned for it.
-- Every year from the first any data speaks of to the as-of year, since a household stays under
-- monitoring and a base stays recognised across years.
CREATE TABLE mart_annual_household AS
WITH years AS (
    SELECT range AS year FROM range(
        CAST(coalesce(least((SELECT min(year(enrolled_date)) FROM fact_monitoring),
                            (SELECT min(recognised_year) FROM dim_employment_base),
                            (SELECT min(plan_year) FROM fact_modification)),
                      year(getvariable('cutoff_end'))) AS BIGINT),
        year(getvariable('cutoff_end')) + 1)
),
monitoring AS (
    SELECT township_code, village_code, year,
           sum(households) FILTER (WHERE in_monitoring AND monitor_type = '脱贫不稳定户') AS monitored_unstable,
           sum(households) FILTER (WHERE in_monitoring AND monitor_type = '边缘易致贫户') AS monitored_marginal,
           sum(households) FILTER (WHERE in_monitoring AND monitor_type = '突发严重困难户') AS monitored_sudden,
           sum(households) FILTER (WHERE year(enrolled_month) = year) AS enrolled,
           sum(households) FILTER (WHERE year(eliminated_month) = year) AS eliminated,
           sum(households) FILTER (WHERE in_monitoring AND NOT has_measure) AS without_measure
    FROM (
        SELECT m.*, y.year, m.enrolled_month <= make_date(y.year, 12, 31)
               AND (m.eliminated_month IS NULL OR m.eliminated_month > make_date(y.year, 12, 31)) AS in_monitoring
        FROM mart_monitoring m JOIN years y ON year(m.enrolled_month) <= y.year
    ) x
    GROUP BY ALL
),
bases AS (
    SELECT b.township_code, b.village_code, y.year, count(*) AS bases, sum(b.placed_persons) AS base_placed
    FROM dim_employment_base b JOIN years y ON b.recognised_year <= y.year
    GROUP BY ALL
),
modifications AS (
    SELECT township_code, village_code, plan_year AS year, sum(households) AS modification_planned,
           sum(households) FILTER (WHERE is_completed) AS modification_completed
    FROM mart_modification GROUP BY ALL
),
keys AS (
    SELECT township_code, village_code, year FROM monitoring
    UNION SELECT township_code, village_code, year FROM bases
    UNION SELECT township_code, village_code, year FROM modifications
)
SELECT k.township_code, k.village_code, k.year,
       coalesce(m.monitored_unstable, 0) AS monitored_unstable, coalesce(m.monitored_marginal, 0) AS monitored_marginal,
       coalesce(m.monitored_sudden, 0) AS monitored_sudden, coalesce(m.enrolled, 0) AS enrolled,
       coalesce(m.eliminated, 0) AS eliminated, coalesce(m.without_measure, 0) AS without_measure,
       coalesce(b.bases, 0) AS bases, coalesce(b.base_placed, 0) AS base_placed,
       coalesce(d.modification_planned, 0) AS modification_planned,
       coalesce(d.modification_completed, 0) AS modification_completed
FROM keys k
LEFT JOIN monitoring m USING (township_code, village_code, year)
LEFT JOIN bases b USING (township_code, village_code, year)
LEFT JOIN modifications d USING (township_code, village_code, year)
ORDER BY k.township_code, k.village_code, k.year;

CREATE TABLE mart_annual_household_town AS
SELECT township_code, year,
       sum(monitored_unstable) AS monitored_unstable, sum(monitored_marginal) AS monitored_marginal,
       sum(monitored_sudden) AS monitored_sudden, sum(enrolled) AS enrolled, sum(eliminated) AS eliminated,
       sum(without_measure) AS without_measure, sum(bases) AS bases, sum(base_placed) AS base_placed,
       sum(modification_planned) AS modification_planned, sum(modification_completed) AS modification_completed
FROM mart_annual_household GROUP BY ALL ORDER BY year, township_code;

-- The annual table (年度分乡镇统计表) precomputed per unit, year and sidebar filter, so that the pages'
-- `unit_table` (queries/sql/annual_by_*.sql) is one filtered read, with no join or sum at view time:
-- every village of dim_region × every year of the span × every pair (category_code, level_code), where 0
-- is the sidebar's 全部 (every category, every level) and the others are extracts.md's codes (类别 1–7,
-- 等级 1–4), so that every filter finds each unit's row, zeros included. Person counts are narrowed by the
-- pair (persons and eligible: certificates issued by the year's end); household counts (monitoring, bases,
-- modifications: mart_annual_household) are not, and each pair's row carries the unit's.
-- The span: the year before the first year of any data (a page compares a year with the one before) to
-- the as-of year; a year outside it has no rows.
-- Made unsorted first, then sorted from the table: the sort of the whole statement did not fit in a
-- tight IMPORT_MEMORY_LIMIT (tests/test_importer.py), the sort of a stored table spills.
CREATE TEMP TABLE annual_unsorted AS
WITH spoken AS (
    SELECT year(pay_month) AS year FROM mart_subsidy_month
    UNION SELECT year(enrolled_month) FROM mart_monitoring
    UNION SELECT year(eliminated_month) FROM mart_monitoring WHERE eliminated_month IS NOT NULL
    UNION SELECT year FROM mart_rehab
    UNION SELECT year FROM mart_employment
    UNION SELECT plan_year FROM mart_modification
    UNION SELECT year FROM mart_care
    UNION SELECT year(getvariable('cutoff_end'))
),
years AS (
    SELECT CAST(range AS INTEGER) AS year
    FROM range(CAST((SELECT min(year) FROM spoken) - 1 AS BIGINT), CAST((SELECT max(year) FROM spoken) + 1 AS BIGINT))
),
-- Every source row once with its own measures (UNION ALL BY NAME leaves the others NULL), summed per village,
-- year and pair in one aggregate: no source is read twice, so nothing is held in memory whole (the import
-- runs under IMPORT_MEMORY_LIMIT and this aggregate spills).
source AS (
    SELECT village_code, category_code, level_code, y.year, persons, living_eligible_persons AS living_eligible,
           nursing_eligible_persons AS nursing_eligible
    FROM mart_person JOIN years y ON issued_year <= y.year
    UNION ALL BY NAME
    SELECT village_code, category_code, level_code, year,
           CASE WHEN subsidy_code = 'living' THEN persons END AS living_persons,
           CASE WHEN subsidy_code = 'living' THEN eligible_persons END AS living_eligible_paid,
           CASE WHEN subsidy_code = 'nursing' THEN persons END AS nursing_persons,
           CASE WHEN subsidy_code = 'nursing' THEN eligible_persons END AS nursing_eligible_paid
    FROM mart_subsidy_first_paid
    UNION ALL BY NAME
    SELECT village_code, category_code, level_code, year(pay_month) AS year,
           CASE WHEN subsidy_code = 'living' THEN amount_yuan END AS living_amount_yuan,
           CASE WHEN subsidy_code = 'nursing' THEN amount_yuan END AS nursing_amount_yuan
    FROM mart_subsidy_month
    UNION ALL BY NAME
    SELECT village_code, category_code, level_code, year, need_persons AS rehab_need, served_persons AS rehab_served
    FROM mart_rehab
    UNION ALL BY NAME
    SELECT village_code, category_code, level_code, year, severe_persons, without_nursing, without_rehab, without_either
    FROM mart_severe_monitored
),
cube AS (
    SELECT village_code, year, coalesce(category_code, 0) AS category_code, coalesce(level_code, 0) AS level_code,
           sum(persons) AS persons, sum(living_eligible) AS living_eligible, sum(nursing_eligible) AS nursing_eligible,
           sum(living_persons) AS living_persons, sum(living_eligible_paid) AS living_eligible_paid, sum(living_amount_yuan) AS living_amount_yuan,
           sum(nursing_persons) AS nursing_persons, sum(nursing_eligible_paid) AS nursing_eligible_paid, sum(nursing_amount_yuan) AS nursing_amount_yuan,
           sum(rehab_need) AS rehab_need, sum(rehab_served) AS rehab_served, sum(severe_persons) AS severe_persons,
           sum(without_nursing) AS without_nursing, sum(without_rehab) AS without_rehab, sum(without_either) AS without_either
    FROM source
    GROUP BY GROUPING SETS ((village_code, year, category_code, level_code), (village_code, year, category_code),
                            (village_code, year, level_code), (village_code, year))
),
-- 0 and every code the importer accepts (it refuses others: unknown_category, id_mismatch)
pairs AS (
    SELECT c.range AS category_code, l.range AS level_code FROM range(0, 8) c CROSS JOIN range(0, 5) l
)
SELECT u.township_code, u.region_code AS village_code, u.name, y.year,
       CAST(k.category_code AS INTEGER) AS category_code, CAST(k.level_code AS INTEGER) AS level_code,
       CAST(coalesce(c.persons, 0) AS BIGINT) AS persons,
       CAST(coalesce(c.living_eligible, 0) AS BIGINT) AS living_eligible,
       CAST(coalesce(c.nursing_eligible, 0) AS BIGINT) AS nursing_eligible,
       CAST(coalesce(c.living_persons, 0) AS BIGINT) AS living_persons,
       CAST(coalesce(c.living_eligible_paid, 0) AS BIGINT) AS living_eligible_paid,
       CAST(coalesce(c.living_amount_yuan, 0) AS DECIMAL(18, 2)) AS living_amount_yuan,
       CAST(coalesce(c.nursing_persons, 0) AS BIGINT) AS nursing_persons,
       CAST(coalesce(c.nursing_eligible_paid, 0) AS BIGINT) AS nursing_eligible_paid,
       CAST(coalesce(c.nursing_amount_yuan, 0) AS DECIMAL(18, 2)) AS nursing_amount_yuan,
       CAST(coalesce(c.rehab_need, 0) AS BIGINT) AS rehab_need,
       CAST(coalesce(c.rehab_served, 0) AS BIGINT) AS rehab_served,
       CAST(coalesce(c.severe_persons, 0) AS BIGINT) AS severe_persons,
       CAST(coalesce(c.without_nursing, 0) AS BIGINT) AS without_nursing,
       CAST(coalesce(c.without_rehab, 0) AS BIGINT) AS without_rehab,
       CAST(coalesce(c.without_either, 0) AS BIGINT) AS without_either,
       CAST(coalesce(h.monitored_unstable, 0) AS BIGINT) AS monitored_unstable,
       CAST(coalesce(h.monitored_marginal, 0) AS BIGINT) AS monitored_marginal,
       CAST(coalesce(h.monitored_sudden, 0) AS BIGINT) AS monitored_sudden,
       CAST(coalesce(h.enrolled, 0) AS BIGINT) AS enrolled,
       CAST(coalesce(h.eliminated, 0) AS BIGINT) AS eliminated,
       CAST(coalesce(h.without_measure, 0) AS BIGINT) AS without_measure,
       CAST(coalesce(h.bases, 0) AS BIGINT) AS bases,
       CAST(coalesce(h.base_placed, 0) AS BIGINT) AS base_placed,
       CAST(coalesce(h.modification_planned, 0) AS BIGINT) AS modification_planned,
       CAST(coalesce(h.modification_completed, 0) AS BIGINT) AS modification_completed
FROM dim_region u
CROSS JOIN years y
CROSS JOIN pairs k
LEFT JOIN cube c ON c.village_code = u.region_code AND c.year = y.year AND c.category_code = k.category_code
                AND c.level_code = k.level_code
LEFT JOIN mart_annual_household h ON h.village_code = u.region_code AND h.year = y.year
WHERE u.level = 'village';

CREATE TABLE mart_annual AS
SELECT * FROM annual_unsorted ORDER BY township_code, year, category_code, level_code, village_code;

DROP TABLE annual_unsorted;

-- The same per township: every township of dim_region (one without villages has zeros).
CREATE TABLE mart_annual_town AS
WITH sums AS (
    SELECT township_code, year, category_code, level_code,
           sum(persons) AS persons, sum(living_eligible) AS living_eligible,
           sum(nursing_eligible) AS nursing_eligible, sum(living_persons) AS living_persons,
           sum(living_eligible_paid) AS living_eligible_paid, sum(living_amount_yuan) AS living_amount_yuan,
           sum(nursing_persons) AS nursing_persons, sum(nursing_eligible_paid) AS nursing_eligible_paid,
           sum(nursing_amount_yuan) AS nursing_amount_yuan, sum(rehab_need) AS rehab_need,
           sum(rehab_served) AS rehab_served, sum(severe_persons) AS severe_persons,
           sum(without_nursing) AS without_nursing, sum(without_rehab) AS without_rehab,
           sum(without_either) AS without_either, sum(monitored_unstable) AS monitored_unstable,
           sum(monitored_marginal) AS monitored_marginal, sum(monitored_sudden) AS monitored_sudden,
           sum(enrolled) AS enrolled, sum(eliminated) AS eliminated, sum(without_measure) AS without_measure,
           sum(bases) AS bases, sum(base_placed) AS base_placed,
           sum(modification_planned) AS modification_planned,
           sum(modification_completed) AS modification_completed
    FROM mart_annual GROUP BY ALL
)
SELECT u.region_code AS township_code, u.name, y.year, k.category_code, k.level_code,
       CAST(coalesce(s.persons, 0) AS BIGINT) AS persons,
       CAST(coalesce(s.living_eligible, 0) AS BIGINT) AS living_eligible,
       CAST(coalesce(s.nursing_eligible, 0) AS BIGINT) AS nursing_eligible,
       CAST(coalesce(s.living_persons, 0) AS BIGINT) AS living_persons,
       CAST(coalesce(s.living_eligible_paid, 0) AS BIGINT) AS living_eligible_paid,
       CAST(coalesce(s.living_amount_yuan, 0) AS DECIMAL(18, 2)) AS living_amount_yuan,
       CAST(coalesce(s.nursing_persons, 0) AS BIGINT) AS nursing_persons,
       CAST(coalesce(s.nursing_eligible_paid, 0) AS BIGINT) AS nursing_eligible_paid,
       CAST(coalesce(s.nursing_amount_yuan, 0) AS DECIMAL(18, 2)) AS nursing_amount_yuan,
       CAST(coalesce(s.rehab_need, 0) AS BIGINT) AS rehab_need,
       CAST(coalesce(s.rehab_served, 0) AS BIGINT) AS rehab_served,
       CAST(coalesce(s.severe_persons, 0) AS BIGINT) AS severe_persons,
       CAST(coalesce(s.without_nursing, 0) AS BIGINT) AS without_nursing,
       CAST(coalesce(s.without_rehab, 0) AS BIGINT) AS without_rehab,
       CAST(coalesce(s.without_either, 0) AS BIGINT) AS without_either,
       CAST(coalesce(s.monitored_unstable, 0) AS BIGINT) AS monitored_unstable,
       CAST(coalesce(s.monitored_marginal, 0) AS BIGINT) AS monitored_marginal,
       CAST(coalesce(s.monitored_sudden, 0) AS BIGINT) AS monitored_sudden,
       CAST(coalesce(s.enrolled, 0) AS BIGINT) AS enrolled,
       CAST(coalesce(s.eliminated, 0) AS BIGINT) AS eliminated,
       CAST(coalesce(s.without_measure, 0) AS BIGINT) AS without_measure,
       CAST(coalesce(s.bases, 0) AS BIGINT) AS bases,
       CAST(coalesce(s.base_placed, 0) AS BIGINT) AS base_placed,
       CAST(coalesce(s.modification_planned, 0) AS BIGINT) AS modification_planned,
       CAST(coalesce(s.modification_completed, 0) AS BIGINT) AS modification_completed
FROM dim_region u
CROSS JOIN (SELECT DISTINCT year FROM mart_annual) y
CROSS JOIN (SELECT DISTINCT category_code, level_code FROM mart_annual) k
LEFT JOIN sums s ON s.township_code = u.region_code AND s.year = y.year AND s.category_code = k.category_code
                AND s.level_code = k.level_code
WHERE u.level = 'township'
ORDER BY year, category_code, level_code, township_code;
