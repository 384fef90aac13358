-- has_registers (ClickHouse): the warehouse's database is the connection's current one (no current_schema()).
SELECT count() AS n FROM system.tables WHERE name = 'meta_register' AND database = currentDatabase()
