-- public_marks: the public set's marks, solved once by the import over every year's county-by-township unit
-- table with the identities between years (queries/public_set.py import_marks; docs/decisions/public-set.md).
-- Row (0, '_unproven', why, NULL) when the set could not be proven safe.
SELECT year, cell_key, mark, value FROM public_marks ORDER BY year, cell_key
