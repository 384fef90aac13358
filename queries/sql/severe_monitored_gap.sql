-- severe_monitored_gap: one row per township (or village of :township) for :year: severe persons in
-- households under monitoring at year end, of them without a nursing subsidy / rehab service that year.
-- Parameters: :year, :township, :category, :level.
SELECT CASE WHEN :township = '' THEN township_code ELSE village_code END AS unit_code,
       sum(severe_persons) AS severe_persons, sum(without_nursing) AS without_nursing,
       sum(without_rehab) AS without_rehab, sum(without_either) AS without_either
FROM mart_severe_monitored
WHERE year = :year AND (:township = '' OR township_code = :township)
  AND (:category = 0 OR category_code = :category) AND (:level = 0 OR level_code = :level)
GROUP BY 1
ORDER BY 1
