-- warning_compare: the persons of one 比对项 (:item) as 预警 cases: the comparison's own statement
-- (compare_cases.sql, put in place of the marker below by queries/warnings.py, as compare_counts.sql does),
-- not a copy of it, so a 比对项 and its 预警 rule count the same persons.
-- Parameters: :month, :month_end (the 比对 month's first and last day), :item, :township ('' = county).
WITH compared AS (
    /*compare_cases*/
)
SELECT person_id AS subject, township_code, village_code, household_id, category_code, level_code,
       amount_yuan, fact_date, fact_date2, fact_count
FROM compared
WHERE item = :item
