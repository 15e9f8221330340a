"""The database itself refuses to change or remove audit rows, whatever sends the SQL."""

from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction

from shequgang.audit.guard import ensure_guard, guard_install, guard_uninstall
from shequgang.audit.models import AuditEntry
from shequgang.audit.services import audit_record


def refused(sql: str, params: list[Any]) -> bool:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    except DatabaseError as exc:
        return "append-only" in str(exc)
    return False


@pytest.mark.django_db
def test_update_and_delete_are_refused_and_inserts_go_on(settings):
    # Given the guard, as every migrate installs it outside the test suite
    settings.AUDIT_GUARD = True
    ensure_guard()
    entry = audit_record(actor=None, action="test.guarded", object_id="1")
    # Then raw SQL cannot edit or remove a row
    assert refused("UPDATE audit_auditentry SET object_id = %s WHERE id = %s", ["2", entry.pk])
    assert refused("DELETE FROM audit_auditentry WHERE id = %s", [entry.pk])
    if connection.vendor == "postgresql":
        # (Inside this test's transaction PostgreSQL refuses the TRUNCATE even earlier,
        # for the pending foreign-key checks; the statement trigger is what refuses it in
        # a transaction of its own.)
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_trigger WHERE tgname = 'audit_guard_truncate'")
            assert cursor.fetchone() == (1,)
    # and appending still works, chained
    after = audit_record(actor=None, action="test.guarded_after")
    assert after.prev_hash == entry.row_hash
    assert AuditEntry.objects.get(pk=entry.pk).object_id == "1"
    # An operator who removes the guard (and so could tamper) is what the chain is for.
    guard_uninstall()
    assert not refused("UPDATE audit_auditentry SET object_id = %s WHERE id = %s", ["2", entry.pk])


@pytest.mark.django_db
def test_the_guard_is_off_in_the_test_suite_and_installs_idempotently(settings):
    settings.AUDIT_GUARD = False
    ensure_guard()
    entry = audit_record(actor=None, action="test.unguarded")
    assert not refused("UPDATE audit_auditentry SET object_id = 'x' WHERE id = %s", [entry.pk])
    guard_install()
    guard_install()
    assert refused("DELETE FROM audit_auditentry WHERE id = %s", [entry.pk])
