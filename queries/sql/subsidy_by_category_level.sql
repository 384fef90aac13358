-- subsidy_by_category_level: one row per category × level × subsidy for :year: eligible persons,
-- eligible persons paid at least once, all persons paid. Parameters: :year, :township, :village, :category, :level (0 = all).
-- Township marts for the county, village marts inside one township.
WITH eligible AS (
    SELECT category_code, level_code, sum(living_eligible_persons) AS living, sum(nursing_eligible_persons) AS nursing
    FROM (
        SELECT category_code, level_code, issued_year, living_eligible_persons, nursing_eligible_persons
        FROM mart_person_town WHERE :township = ''
        UNION ALL
        SELECT category_code, level_code, issued_year, living_eligible_persons, nursing_eligible_persons
        FROM mart_person
        WHERE :township <> '' AND township_code = :township AND (:village = '' OR village_code = :village)
    ) m
    WHERE issued_year <= :year AND (:category = 0 OR category_code = :category) AND (:level = 0 OR level_code = :level)
    GROUP BY category_code, level_code
),
paid AS (
    SELECT category_code, level_code, subsidy_code, sum(persons) AS persons, sum(eligible_persons) AS eligible_paid
    FROM (
        SELECT category_code, level_code, subsidy_code, year, persons, eligible_persons
        FROM mart_subsidy_first_paid_town WHERE :township = ''
        UNION ALL
        SELECT category_code, level_code, subsidy_code, year, persons, eligible_persons
        FROM mart_subsidy_first_paid
        WHERE :township <> '' AND township_code = :township AND (:village = '' OR village_code = :village)
    ) m
    WHERE year = :year AND (:category = 0 OR category_code = :category) AND (:level = 0 OR level_code = :level)
    GROUP BY category_code, level_code, subsidy_code
)
SELECT e.category_code, e.level_code, s.subsidy_code,
       CASE s.subsidy_code WHEN 'living' THEN e.living ELSE e.nursing END AS eligible,
       coalesce(p.eligible_paid, 0) AS eligible_paid, coalesce(p.persons, 0) AS persons
FROM eligible e
CROSS JOIN (SELECT 'living' AS subsidy_code UNION ALL SELECT 'nursing') s
LEFT JOIN paid p ON p.category_code = e.category_code AND p.level_code = e.level_code
                AND p.subsidy_code = s.subsidy_code
ORDER BY e.category_code, e.level_code, s.subsidy_code
