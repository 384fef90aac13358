-- compare_counts: persons (and 应追回金额, 元) per 比对项 and unit for the 比对 month :month / :month_end:
-- units are townships when :township = '' (the county view), else the villages of :township.
-- The persons come from compare_cases.sql, put in place of the marker below by queries/compare.py.
WITH cases AS (
    /*compare_cases*/
)
SELECT item, CASE WHEN :township = '' THEN township_code ELSE village_code END AS unit_code,
       count(*) AS persons, sum(amount_yuan) AS amount_yuan
FROM cases
GROUP BY item, CASE WHEN :township = '' THEN township_code ELSE village_code END
ORDER BY item, unit_code
