"""The open-load roll-ups (open cases by county and grid, by county and handling
department), their triggers and their first count; the load tables read a county's
busiest in index order (see shequgang.dashboard.selectors). PostgreSQL storage as 0003
set it for the other tallies."""

from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

from shequgang.dashboard.migrations._tallies_then import (
    start_counting,
    stop_counting,
    tallies_named,
)

BEFORE = ("state", "grid", "department", "week", "month", "month_category", "due_day")
NEW = ("grid_open", "department_open")


def create(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    start_counting(schema_editor, tallies_named(*NEW), tallies_named(*BEFORE, *NEW))


def drop(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    stop_counting(schema_editor, tallies_named(*NEW), tallies_named(*BEFORE))


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
