"""The open-load roll-ups (open cases by county and grid, by county and handling
department), their triggers and their first count; the load tables read a county's
busiest in index order (see shequgang.dashboard.selectors). PostgreSQL storage as 0003
set it for the other tallies."""

from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

from shequgang.dashboard import triggers

BEFORE = ("state", "grid", "department", "week", "month", "month_category", "due_day")
NEW = ("grid_open", "department_open")
SETTINGS = (  # as 0003_tally_storage
    "fillfactor = 50, autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000,"
    " autovacuum_analyze_scale_factor = 0, autovacuum_analyze_threshold = 1000"
)


def create(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    vendor = schema_editor.connection.vendor
    tallies = triggers.tallies_named(*NEW)
    for tally in tallies:
        if vendor == "postgresql":
            schema_editor.execute(f"ALTER TABLE {tally.table} SET ({SETTINGS})", params=None)
    # Every tally's triggers (idempotent): on PostgreSQL the TRUNCATE trigger's function
    # now empties these tables too.
    for statement in triggers.create_sql(vendor, triggers.tallies_named(*BEFORE, *NEW)):
        schema_editor.execute(statement, params=None)
    # Cases that exist before the triggers: count them once (same transaction).
    for tally in tallies:
        schema_editor.execute(f"DELETE FROM {tally.table}", params=None)
        schema_editor.execute(triggers.recount_sql(tally, vendor), params=None)


def drop(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    vendor = schema_editor.connection.vendor
    statements: list[str] = []
    for tally in triggers.tallies_named(*NEW):
        statements += triggers.sqlite_drop(tally) if vendor == "sqlite" else triggers.pg_drop(tally)
    if vendor == "postgresql":
        statements += triggers.pg_truncate_create(triggers.tallies_named(*BEFORE))
    for statement in statements:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('dashboard', '0005_due_day_tally'),
    ]

    operations = [
        migrations.CreateModel(
            name='DepartmentOpenTally',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('county_code', models.CharField(max_length=6)),
                ('department_id', models.IntegerField()),
                ('n', models.BigIntegerField(default=0)),
            ],
            options={
                'verbose_name': '部门在办计数',
                'verbose_name_plural': '部门在办计数',
                'indexes': [models.Index(fields=['county_code', '-n', 'department_id'], name='tally_department_open_top')],
                'constraints': [models.UniqueConstraint(fields=('county_code', 'department_id'), name='tally_department_open_key')],
            },
        ),
        migrations.CreateModel(
            name='GridOpenTally',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('county_code', models.CharField(max_length=6)),
                ('grid_id', models.IntegerField()),
                ('n', models.BigIntegerField(default=0)),
            ],
            options={
                'verbose_name': '网格在办计数',
                'verbose_name_plural': '网格在办计数',
                'indexes': [models.Index(fields=['county_code', '-n', 'grid_id'], name='tally_grid_open_top')],
                'constraints': [models.UniqueConstraint(fields=('county_code', 'grid_id'), name='tally_grid_open_key')],
            },
        ),
        migrations.RunPython(create, drop),
    ]
