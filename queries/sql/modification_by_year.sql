-- modification_by_year: one row per plan year: households planned, completed, and amount spent (元).
-- Parameters: :township, :village.
SELECT plan_year, sum(households) AS planned,
       coalesce(sum(households) FILTER (WHERE is_completed), 0) AS completed,
       coalesce(sum(amount_yuan) FILTER (WHERE is_completed), 0) AS completed_amount_yuan
FROM mart_modification
WHERE (:township = '' OR township_code = :township) AND (:village = '' OR village_code = :village)
GROUP BY plan_year
ORDER BY plan_year
