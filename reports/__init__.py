"""The reports a coordinator files: a plan's status table (.xlsx) and its periodic CCHC
progress report (.docx), each of one date, built from the engine's records."""
