"""Writers in parallel threads: every increment lands (no lost update on a tally row),
and the tallies still equal a full recount."""

import threading

import pytest
from django.db import connection, connections

from shequgang.cases import services as s
from shequgang.cases.models import Case
from shequgang.dashboard import triggers
from shequgang.dashboard.models import TALLY_MODELS
from shequgang.dashboard.recount import tallies_check

from .conftest import assert_in_step


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_parallel_writers_keep_tallies_exact(world, raise_case):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite runs one writer at a time")
    errors: list[BaseException] = []
    resident, leader = world.users["nobody"], world.users["group_a1"]

    def work(i: int) -> None:
        try:
            for _ in range(4):
                case = raise_case(actor=resident)
                s.case_acknowledge(actor=leader, case=case)
                # A set-wise write across the same tally rows as the other threads.
                Case.objects.filter(pk=case.pk).update(status="in_progress")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert Case.objects.count() == 16
    assert_in_step()
    assert tallies_check() == []


def test_triggers_come_back_after_a_table_rebuild(db):
    # A later cases migration may rebuild cases_case on SQLite (dropping its triggers);
    # post_migrate puts them back.
    triggers.uninstall()
    assert triggers.installed_count() == 0
    triggers.ensure_triggers(using="default")
    assert triggers.installed_count() > 0


@pytest.mark.django_db
def test_tally_tables_leave_room_for_hot_updates_on_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("storage parameters are PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reloptions FROM pg_class WHERE relname LIKE 'dashboard_%%tally'"
        )
        options = dict(cursor.fetchall())
    assert len(options) == len(TALLY_MODELS) == 7
    for table, opts in options.items():
        assert "fillfactor=50" in (opts or []), table
        assert "autovacuum_vacuum_threshold=1000" in opts, table
