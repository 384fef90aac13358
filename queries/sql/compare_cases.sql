-- compare_cases: one row per 比对项 and certificate holder it counts (../shared/registers.md), for the 比对
-- month :month (its first day) and :month_end (its last day), within :township ('' = the county).
-- Columns: item, person_id, household_id, township_code, village_code, category_code, level_code,
-- amount_yuan (死亡后仍发放: paid for months after the month of death, up to M; else NULL), and the facts
-- that put the person there: fact_date (低保 since / 低保 ended / death / 纳入), fact_date2 (first month
-- paid after death), fact_count (months paid after death).
-- Anti-joins are NOT EXISTS: PostgreSQL plans them as hash anti-joins at any size (NOT IN may not).
WITH persons AS (
    SELECT person_id, household_id, township_code, village_code, category_code, level_code, is_active
    FROM dim_person
    WHERE :township = '' OR township_code = :township
),
living_paid AS (
    SELECT DISTINCT person_id FROM fact_subsidy_payment WHERE subsidy_code = 'living' AND pay_month = :month
),
dibao_now AS (
    SELECT person_id, min(start_month) AS since FROM fact_register_dibao
    WHERE start_month <= :month AND (end_month IS NULL OR end_month >= :month)
    GROUP BY person_id
),
dibao_ended AS (
    SELECT person_id, max(end_month) AS ended FROM fact_register_dibao WHERE end_month < :month GROUP BY person_id
),
death AS (
    SELECT person_id, min(death_date) AS death_date FROM fact_register_death GROUP BY person_id
),
after_death AS (  -- pay_month is a month's first day: later than the death date = a month after the month of death
    SELECT f.person_id, CAST(sum(f.amount_yuan) AS DECIMAL(18, 2)) AS amount_yuan,
           count(DISTINCT f.pay_month) AS months, min(f.pay_month) AS first_month
    FROM fact_subsidy_payment f JOIN death d ON d.person_id = f.person_id
    WHERE f.pay_month > d.death_date AND f.pay_month <= :month
    GROUP BY f.person_id
),
rural_live AS (
    SELECT person_id, min(enrolled_date) AS enrolled FROM fact_register_rural
    WHERE enrolled_date <= :month_end AND (eliminated_date IS NULL OR eliminated_date > :month_end)
    GROUP BY person_id
),
monitored AS (
    SELECT household_id, min(enrolled_date) AS enrolled FROM fact_monitoring
    WHERE enrolled_date <= :month_end AND (eliminated_date IS NULL OR eliminated_date > :month_end)
    GROUP BY household_id
)
SELECT 'dibao_unpaid' AS item, p.person_id, p.household_id, p.township_code, p.village_code, p.category_code,
       p.level_code, CAST(NULL AS DECIMAL(18, 2)) AS amount_yuan, d.since AS fact_date,
       CAST(NULL AS DATE) AS fact_date2, CAST(NULL AS BIGINT) AS fact_count
FROM persons p JOIN dibao_now d ON d.person_id = p.person_id
WHERE p.is_active AND NOT EXISTS (SELECT 1 FROM living_paid l WHERE l.person_id = p.person_id)
UNION ALL
SELECT 'paid_not_dibao', p.person_id, p.household_id, p.township_code, p.village_code, p.category_code,
       p.level_code, NULL, e.ended, NULL, NULL
FROM persons p JOIN living_paid l ON l.person_id = p.person_id LEFT JOIN dibao_ended e ON e.person_id = p.person_id
WHERE NOT EXISTS (SELECT 1 FROM dibao_now d WHERE d.person_id = p.person_id)
UNION ALL
SELECT 'paid_after_death', p.person_id, p.household_id, p.township_code, p.village_code, p.category_code,
       p.level_code, a.amount_yuan, d.death_date, a.first_month, a.months
FROM persons p JOIN after_death a ON a.person_id = p.person_id JOIN death d ON d.person_id = p.person_id
UNION ALL
SELECT 'death_active', p.person_id, p.household_id, p.township_code, p.village_code, p.category_code,
       p.level_code, NULL, d.death_date, NULL, NULL
FROM persons p JOIN death d ON d.person_id = p.person_id
WHERE p.is_active AND d.death_date <= :month_end
UNION ALL
SELECT 'rural_not_monitored', p.person_id, p.household_id, p.township_code, p.village_code, p.category_code,
       p.level_code, NULL, r.enrolled, NULL, NULL
FROM persons p JOIN rural_live r ON r.person_id = p.person_id
WHERE p.is_active AND NOT EXISTS (SELECT 1 FROM monitored m WHERE m.household_id = p.household_id)
UNION ALL
SELECT 'monitored_not_rural', p.person_id, p.household_id, p.township_code, p.village_code, p.category_code,
       p.level_code, NULL, m.enrolled, NULL, NULL
FROM persons p JOIN monitored m ON m.household_id = p.household_id
WHERE p.is_active AND NOT EXISTS (SELECT 1 FROM rural_live r WHERE r.person_id = p.person_id)
