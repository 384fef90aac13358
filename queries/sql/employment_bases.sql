-- employment_bases: one row per employment base recognised by :year in the area.
-- Parameters: :year, :township, :village.
SELECT b.base_id, b.name, b.base_type, b.township_code, b.village_code, t.name AS township_name,
       b.lon, b.lat, b.placed_persons, b.households_lifted, b.funding_wan_yuan, b.recognised_year
FROM dim_employment_base b LEFT JOIN dim_region t ON t.region_code = b.township_code
WHERE b.recognised_year <= :year
  AND (:township = '' OR b.township_code = :township) AND (:village = '' OR b.village_code = :village)
ORDER BY b.base_id
