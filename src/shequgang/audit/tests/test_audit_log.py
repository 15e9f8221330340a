import pytest

from shequgang.audit.models import AuditEntry
from shequgang.audit.services import audit_record


def test_entries_are_append_only(world):
    entry = audit_record(actor=world.admin, action="test.thing", object_type="x", object_id="1")
    entry.action = "changed"
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(TypeError):
        AuditEntry.objects.filter(pk=entry.pk).update(action="changed")
    with pytest.raises(TypeError):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    assert AuditEntry.objects.get(pk=entry.pk).action == "test.thing"


def test_request_ip_is_recorded(world, client):
    from shequgang.audit.middleware import current_ip

    token = current_ip.set("10.1.2.3")
    try:
        entry = audit_record(actor=None, action="test.ip")
    finally:
        current_ip.reset(token)
    assert entry.ip == "10.1.2.3" and entry.actor is None


def test_admin_audit_log_is_for_city_admins_only(world, client):
    client.force_login(world.users["city_admin"])
    assert client.get("/admin/audit/auditentry/").status_code == 200
    client.force_login(world.users["secretary_a"])
    assert client.get("/admin/audit/auditentry/").status_code == 302  # not staff: to admin login
