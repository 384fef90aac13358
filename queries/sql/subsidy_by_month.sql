-- subsidy_by_month: one row per month × subsidy in [:month_from, :month_to] for the area and filters.
-- Parameters: :month_from, :month_to (first days of months), :township, :village, :category, :level.
-- Reads the township mart for the county (:township = ''), the village mart inside one township.
SELECT pay_month, subsidy_code, sum(payments) AS payments, sum(amount_yuan) AS amount_yuan
FROM (
    SELECT pay_month, subsidy_code, category_code, level_code, payments, amount_yuan
    FROM mart_subsidy_month_town WHERE :township = ''
    UNION ALL
    SELECT pay_month, subsidy_code, category_code, level_code, payments, amount_yuan
    FROM mart_subsidy_month
    WHERE :township <> '' AND township_code = :township AND (:village = '' OR village_code = :village)
) m
WHERE pay_month BETWEEN :month_from AND :month_to
  AND (:category = 0 OR category_code = :category) AND (:level = 0 OR level_code = :level)
GROUP BY pay_month, subsidy_code
ORDER BY pay_month, subsidy_code
