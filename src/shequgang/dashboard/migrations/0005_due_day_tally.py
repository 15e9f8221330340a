"""The due-day tally (cases whose resolution clock runs, by county and deadline day), its
triggers and its first count; the overdue count sums its past days (see
shequgang.dashboard.overdue). PostgreSQL storage as 0003 set it for the other tallies."""

from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

from shequgang.dashboard import triggers
from shequgang.dashboard.migrations._tallies_then import tallies_named

BEFORE = ("state", "grid", "department", "week", "month", "month_category")
TABLE = "dashboard_duedaytally"
SETTINGS = (  # as 0003_tally_storage
    "fillfactor = 50, autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000,"
    " autovacuum_analyze_scale_factor = 0, autovacuum_analyze_threshold = 1000"
)


def create(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    vendor = schema_editor.connection.vendor
    [tally] = tallies_named("due_day")
    if vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {TABLE} SET ({SETTINGS})", params=None)
    # Every tally's triggers (idempotent): on PostgreSQL the TRUNCATE trigger's function
    # now empties this table too.
    for statement in triggers.create_sql(vendor, tallies_named(*BEFORE, "due_day")):
        schema_editor.execute(statement, params=None)
    # Cases that exist before the triggers: count them once (same transaction).
    schema_editor.execute(f"DELETE FROM {TABLE}", params=None)
    schema_editor.execute(triggers.recount_sql(tally, vendor), params=None)


def drop(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    vendor = schema_editor.connection.vendor
    [tally] = tallies_named("due_day")
    if vendor == "sqlite":
        statements = triggers.sqlite_drop(tally)
    else:
        statements = triggers.pg_drop(tally) + triggers.pg_truncate_create(
            tallies_named(*BEFORE)
        )
    for statement in statements:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('dashboard', '0004_overdue_index'),
        ('cases', '0003_deliberations'),
    ]

    operations = [
        migrations.CreateModel(
            name='DueDayTally',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('county_code', models.CharField(max_length=6)),
                ('due_day', models.DateField()),
                ('n', models.BigIntegerField(default=0)),
            ],
            options={
                'verbose_name': '到期日计数',
                'verbose_name_plural': '到期日计数',
                'indexes': [models.Index(fields=['due_day', 'county_code'], name='tally_due_day_city')],
                'constraints': [models.UniqueConstraint(fields=('county_code', 'due_day'), name='tally_due_day_key')],
            },
        ),
        migrations.RunPython(create, drop),
    ]
