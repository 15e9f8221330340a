"""PostgreSQL: the tally rows are few and rewritten by every case write, so each update
leaves a dead row version behind. Leave room on each page for HOT updates (fillfactor 50)
and vacuum the tables after every thousand dead rows rather than after a fraction of the
table, so a city-wide sum never reads through a page full of dead versions. SQLite
rewrites rows in place and needs nothing."""

from django.db import migrations

TABLES = [
    "dashboard_statetally",
    "dashboard_gridtally",
    "dashboard_departmenttally",
    "dashboard_weektally",
    "dashboard_monthtally",
    "dashboard_monthcategorytally",
]
SETTINGS = (
    "fillfactor = 50, autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000,"
    " autovacuum_analyze_scale_factor = 0, autovacuum_analyze_threshold = 1000"
)
RESET = (
    "fillfactor, autovacuum_vacuum_scale_factor, autovacuum_vacuum_threshold,"
    " autovacuum_analyze_scale_factor, autovacuum_analyze_threshold"
)


def tune(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"ALTER TABLE {table} SET ({SETTINGS})")


def untune(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"ALTER TABLE {table} RESET ({RESET})")


class Migration(migrations.Migration):
    dependencies = [("dashboard", "0002_tally_triggers")]
    operations = [migrations.RunPython(tune, untune)]
