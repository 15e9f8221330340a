"""The audit log is tamper-evident: each row carries the hash of the one before it, and
``shequgang audit_verify`` exits 1 naming the first row that does not fit.

Tampering is done as an intruder would, with raw SQL (the guard triggers are off in the
test suite; ``test_guard`` covers them)."""

import importlib
import io
import threading
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from shequgang.audit.chain import chain_verify, row_digest
from shequgang.audit.middleware import current_ip
from shequgang.audit.models import AuditEntry
from shequgang.audit.services import audit_record


def verify(*args: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("audit_verify", *args, stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code or 0), err.getvalue()
    return 0, out.getvalue()


def some_entries(world, n=5):
    """Entries with the awkward values: Chinese, floats, nested lists, an IPv6 address."""
    entries = []
    token = current_ip.set("2001:0db8:0000:0000:0000:0000:0000:0001")
    try:
        for i in range(n):
            entries.append(
                audit_record(
                    actor=world.admin if i % 2 else None,
                    action=f"test.chain_{i}",
                    object_type="test.thing",
                    object_id=str(i),
                    changes={"名称": [None, f"第{i}号"], "x": [2.0, 0.1], "big": [1e20, i]},
                )
            )
    finally:
        current_ip.reset(token)
    return entries


def raw(sql: str, params: list[Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_an_intact_log_verifies(world):
    # Given the world's own entries and some awkward ones
    entries = some_entries(world)
    # Then every row links to the one before and the walk exits 0
    assert entries[1].prev_hash == entries[0].row_hash
    code, out = verify()
    assert code == 0, out
    assert f"head row {entries[-1].pk}" in out
    assert chain_verify().checked == AuditEntry.objects.count()


def test_an_edited_field_is_named(world):
    entries = some_entries(world)
    raw("UPDATE audit_auditentry SET object_repr = %s WHERE id = %s", ["改过", entries[2].pk])
    code, err = verify()
    assert code == 1
    assert f"broken at row {entries[2].pk}" in err and "edited" in err


def test_an_edited_change_value_is_named(world):
    entries = some_entries(world)
    raw(
        "UPDATE audit_auditentry SET changes = %s WHERE id = %s",
        ['{"名称": [null, "伪造"]}', entries[1].pk],
    )
    code, err = verify()
    assert (code, f"broken at row {entries[1].pk}" in err) == (1, True)


def test_a_deleted_middle_row_is_found_at_the_next_row(world):
    entries = some_entries(world)
    raw("DELETE FROM audit_auditentry WHERE id = %s", [entries[2].pk])
    code, err = verify()
    assert code == 1
    assert f"broken at row {entries[3].pk}" in err and f"after row {entries[1].pk}" in err


def forge(pk, at, prev_hash):
    """Insert a row with a correct hash for its fields, as a forger with SQL access would."""
    fields = {
        "at": at,
        "actor_id": None,
        "action": "resident.reveal_id_number",
        "object_type": "people.resident",
        "object_id": "1",
        "object_repr": "",
        "changes": {},
        "ip": None,
    }
    raw(
        "INSERT INTO audit_auditentry (id, at, action, object_type, object_id, object_repr,"
        " changes, prev_hash, row_hash) VALUES (%s, %s, %s, %s, %s, '', '{}', %s, %s)",
        [
            pk,
            at,
            fields["action"],
            fields["object_type"],
            fields["object_id"],
            prev_hash,
            row_digest(**fields, prev_hash=prev_hash),
        ],
    )


def test_an_inserted_row_is_named(world):
    entries = some_entries(world)
    # A row slipped in after the newest, claiming a predecessor that is not there.
    forge(entries[-1].pk + 5, entries[-1].at, "f" * 64)
    code, err = verify()
    assert code == 1
    assert f"broken at row {entries[-1].pk + 5}" in err and "prev_hash" in err


def test_a_second_row_after_the_same_predecessor_is_refused(world):
    # A fork (a row inserted between two, keeping the links) cannot even be stored.
    entries = some_entries(world)
    with pytest.raises(IntegrityError), transaction.atomic():
        forge(entries[-1].pk + 5, entries[2].at, entries[2].prev_hash)


def test_cutting_the_newest_rows_is_caught_with_a_recorded_head(world):
    entries = some_entries(world)
    head = entries[-1].row_hash
    assert verify("--head", head)[0] == 0
    raw("DELETE FROM audit_auditentry WHERE id = %s", [entries[-1].pk])
    # The chain alone cannot see a cut tail; the recorded head can.
    assert verify()[0] == 0
    code, err = verify("--head", head)
    assert code == 1 and "not in the chain" in err


def test_rows_written_before_the_chain_are_chained_by_the_migration(world):
    # Given rows without hashes, as the log was before (distinct placeholders: the
    # prev_hash column is unique)
    some_entries(world)
    raw("UPDATE audit_auditentry SET prev_hash = 'old' || id, row_hash = ''", [])
    assert verify()[0] == 1
    # When the data migration runs
    migration = importlib.import_module("shequgang.audit.migrations.0003_chain_existing_rows")
    migration.chain_existing(apps, SimpleNamespace(connection=connection))
    # Then the whole log verifies, and new rows chain on
    audit_record(actor=None, action="test.after_migration")
    assert verify()[0] == 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_writers_never_fork_the_chain():
    # Eight writers, each with its own connection, appending at the same moment inside
    # their own transactions (one in four rolls back).
    writers, each = 8, 6
    barrier = threading.Barrier(writers)
    errors: list[BaseException] = []

    def writer(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            for j in range(each):
                try:
                    with transaction.atomic():
                        audit_record(actor=None, action=f"test.concurrent_{i}_{j}")
                        if j % 4 == 3:
                            raise _Rollback
                except _Rollback:
                    pass
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    kept = writers * (each - each // 4)
    assert AuditEntry.objects.filter(action__startswith="test.concurrent_").count() == kept
    report = chain_verify()
    assert report.ok and report.checked == AuditEntry.objects.count(), report


class _Rollback(Exception):
    pass
