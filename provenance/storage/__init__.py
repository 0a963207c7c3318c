"""Storage: the typed data model, the database connection and schema migrations."""
