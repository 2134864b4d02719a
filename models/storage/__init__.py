"""Storage: the engine and sessions, the tables, the audit trail and the migrations."""
