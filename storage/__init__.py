"""Database access: the engine, sessions, the schema's migrations, and the data functions."""
