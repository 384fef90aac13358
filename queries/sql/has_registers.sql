-- has_registers: 1 if the warehouse has meta_register (an importer that knows the partner registers), else 0.
SELECT count(*) AS n FROM information_schema.tables WHERE table_name = 'meta_register' AND table_schema = current_schema()
