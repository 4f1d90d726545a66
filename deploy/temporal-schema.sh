#!/bin/sh
# Temporal's two databases on PostgreSQL, created when missing, their schemas brought to the
# version of this admin-tools image (which must be the server's). Safe at every start: the same
# steps Temporal's own auto-setup image runs each time.
set -eu
schemas=/etc/temporal/schema/postgresql/v12
sql() {
  temporal-sql-tool --plugin postgres12 --ep postgresql -p 5432 -u temporal "$@"
}
for pair in temporal:temporal temporal_visibility:visibility; do
  database=${pair%%:*}
  folder=${pair#*:}
  # Refused when it exists already; a real failure shows in the next step.
  sql --db "$database" create || echo "database $database exists"
  sql --db "$database" setup-schema -v 0.0
  sql --db "$database" update-schema -d "$schemas/$folder/versioned"
done
echo "Temporal's schemas are up to date"
