-- regions: one row per township and village: code, name, level, township code, kind (镇/乡/街道/…).
SELECT region_code, name, level, township_code, kind
FROM dim_region
WHERE level IN ('township', 'village')
ORDER BY region_code
