-- modification_by_year: one row per plan year: households planned, completed, and amount spent (元).
-- Parameters: :township, :village. Township mart for the county, village mart inside one township.
SELECT plan_year, sum(households) AS planned,
       coalesce(sum(households) FILTER (WHERE is_completed), 0) AS completed,
       coalesce(sum(amount_yuan) FILTER (WHERE is_completed), 0) AS completed_amount_yuan
FROM (
    SELECT plan_year, is_completed, households, amount_yuan FROM mart_modification_town WHERE :township = ''
    UNION ALL
    SELECT plan_year, is_completed, households, amount_yuan FROM mart_modification
    WHERE :township <> '' AND township_code = :township AND (:village = '' OR village_code = :village)
) m
GROUP BY plan_year
ORDER BY plan_year
