-- boundaries: one row per township (:township = '') or village of :township that has a boundary:
-- code, name and WGS84 GeoJSON. Parameters: :township.
SELECT r.region_code, r.name, b.geojson
FROM dim_region r JOIN dim_boundary b ON b.region_code = r.region_code
WHERE (:township = '' AND r.level = 'township') OR (r.level = 'village' AND r.township_code = :township)
ORDER BY r.region_code
