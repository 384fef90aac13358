-- modification_by_unit: one row per township (or village of :township) for :year: planned,
-- completed households and the amount spent on the completed ones. Parameters: :year, :township.
SELECT CASE WHEN :township = '' THEN township_code ELSE village_code END AS unit_code,
       sum(households) AS planned,
       coalesce(sum(households) FILTER (WHERE is_completed), 0) AS completed,
       coalesce(sum(amount_yuan) FILTER (WHERE is_completed), 0) AS completed_amount_yuan
FROM mart_modification
WHERE plan_year = :year AND (:township = '' OR township_code = :township)
GROUP BY 1
ORDER BY 1
