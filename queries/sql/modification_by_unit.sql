-- modification_by_unit: one row per township (or village of :township) for :year: planned,
-- completed households and the amount spent on the completed ones. Parameters: :year, :township.
-- Township mart for the county, village mart inside one township.
SELECT unit_code,
       sum(households) AS planned,
       coalesce(sum(households) FILTER (WHERE is_completed), 0) AS completed,
       coalesce(sum(amount_yuan) FILTER (WHERE is_completed), 0) AS completed_amount_yuan
FROM (
    SELECT township_code AS unit_code, plan_year, is_completed, households, amount_yuan
    FROM mart_modification_town WHERE :township = ''
    UNION ALL
    SELECT village_code, plan_year, is_completed, households, amount_yuan
    FROM mart_modification WHERE :township <> '' AND township_code = :township
) m
WHERE plan_year = :year
GROUP BY unit_code
ORDER BY unit_code
