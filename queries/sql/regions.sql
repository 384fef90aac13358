-- regions: one row per township and village within :scope ('' = the county): code, name, level,
-- township code, kind (镇/乡/街道/…). Parameters: :scope.
SELECT region_code, name, level, township_code, kind
FROM dim_region
WHERE level IN ('township', 'village') AND (:scope = '' OR township_code = :scope)
ORDER BY region_code
