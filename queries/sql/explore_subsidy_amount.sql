-- explore_subsidy_amount: 指标分析, the two subsidies' amount paid (元) and payments (人次) in the months
-- [:month_from, :month_to] (first days), per :by key (× :cols key): township, village, category, level,
-- year, month. Parameters: :by, :cols, :month_from, :month_to, :township, :village, :category, :level.
-- Township mart for the county, village mart inside one township. Keys are text.
SELECT row_key, col_key, sum(amount_yuan) AS subsidy_amount, sum(payments) AS payments
FROM (
    SELECT CASE :by WHEN 'township' THEN township_code WHEN 'village' THEN village_code
                    WHEN 'category' THEN CAST(category_code AS VARCHAR) WHEN 'level' THEN CAST(level_code AS VARCHAR)
                    WHEN 'year' THEN substr(CAST(pay_month AS VARCHAR), 1, 4)
                    WHEN 'month' THEN substr(CAST(pay_month AS VARCHAR), 1, 7) ELSE '' END AS row_key,
           CASE :cols WHEN 'township' THEN township_code WHEN 'village' THEN village_code
                      WHEN 'category' THEN CAST(category_code AS VARCHAR) WHEN 'level' THEN CAST(level_code AS VARCHAR)
                      WHEN 'year' THEN substr(CAST(pay_month AS VARCHAR), 1, 4)
                      WHEN 'month' THEN substr(CAST(pay_month AS VARCHAR), 1, 7) ELSE '' END AS col_key,
           amount_yuan, payments
    FROM (
        SELECT township_code, '' AS village_code, category_code, level_code, pay_month, payments, amount_yuan
        FROM mart_subsidy_month_town WHERE :township = ''
        UNION ALL
        SELECT township_code, village_code, category_code, level_code, pay_month, payments, amount_yuan
        FROM mart_subsidy_month
        WHERE :township <> '' AND township_code = :township AND (:village = '' OR village_code = :village)
    ) m
    WHERE pay_month BETWEEN :month_from AND :month_to
      AND (:category = 0 OR category_code = :category) AND (:level = 0 OR level_code = :level)
) k
GROUP BY row_key, col_key
ORDER BY row_key, col_key
