#!/bin/sh
# Run once by the postgres image, on the first start of an empty data volume: nhachan's own role
# and database beside Temporal's, its password from NHACHAN_DB_PASSWORD (passed to psql as a
# variable, so no quoting of it can break the statement).
set -eu
: "${NHACHAN_DB_PASSWORD:?set NHACHAN_DB_PASSWORD}"
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  --set password="$NHACHAN_DB_PASSWORD" <<'SQL'
CREATE ROLE nhachan LOGIN PASSWORD :'password';
CREATE DATABASE nhachan OWNER nhachan;
SQL
