-- severe_monitored_gap: one row per township (or village of :township) for :year: severe persons in
-- households under monitoring at year end, of them without a nursing subsidy / rehab service that year.
-- Parameters: :year, :township, :category, :level. Township mart for the county, village mart inside
-- one township.
SELECT unit_code,
       sum(severe_persons) AS severe_persons, sum(without_nursing) AS without_nursing,
       sum(without_rehab) AS without_rehab, sum(without_either) AS without_either
FROM (
    SELECT township_code AS unit_code, year, category_code, level_code, severe_persons, without_nursing,
           without_rehab, without_either
    FROM mart_severe_monitored_town WHERE :township = ''
    UNION ALL
    SELECT village_code, year, category_code, level_code, severe_persons, without_nursing,
           without_rehab, without_either
    FROM mart_severe_monitored WHERE :township <> '' AND township_code = :township
) m
WHERE year = :year
  AND (:category = 0 OR category_code = :category) AND (:level = 0 OR level_code = :level)
GROUP BY unit_code
ORDER BY unit_code
