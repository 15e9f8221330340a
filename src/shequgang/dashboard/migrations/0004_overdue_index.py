"""The live overdue count's partial index over the cases (see shequgang.dashboard.overdue):
open cases by (status, resolve_due_at, county_code), the statuses written as literals so
SQLite's planner can match the query to it."""

from django.db import migrations

from shequgang.dashboard.overdue import CREATE_INDEX, DROP_INDEX


class Migration(migrations.Migration):
    dependencies = [
        ("dashboard", "0003_tally_storage"),
        ("cases", "0003_deliberations"),
    ]

    operations = [migrations.RunSQL(CREATE_INDEX, DROP_INDEX)]
