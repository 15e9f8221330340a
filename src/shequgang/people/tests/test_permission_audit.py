"""Every permission change is in the audit log: role grants and revocations (with the
``may_view_full_pii`` flag and the staff/superuser flags a city administrator gets), API
tokens issued and revoked, and what the Django admin changes past our services — a
user's flags, groups and permissions, a group's permissions, a role assignment, a
token. Passwords never enter the log."""

from typing import Any

from django.contrib.auth.models import Group, Permission, User
from django.forms import MultiWidget

from shequgang.audit.models import AuditEntry
from shequgang.people.models import ApiToken, RoleAssignment
from shequgang.people.roles import Role
from shequgang.people.services import api_token_issue, api_token_revoke, role_grant, role_revoke


def last(action: str) -> AuditEntry:
    return AuditEntry.objects.filter(action=action).latest("id")


def admin_form_data(client, url: str) -> dict[str, Any]:
    """The change form's current values, as the browser would post them back."""
    form = client.get(url).context["adminform"].form
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        if field.disabled:
            continue
        value = form[name].value()
        if isinstance(field.widget, MultiWidget):
            for i, part in enumerate(field.widget.decompress(value) or []):
                data[f"{name}_{i}"] = "" if part is None else str(part)
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        elif isinstance(value, list | tuple):
            data[name] = [str(v) for v in value]
        elif value is not None:
            data[name] = str(value)
    return data


# --- Services -------------------------------------------------------------------------------


def test_a_role_grant_logs_the_pii_flag_and_a_city_admins_new_flags(world):
    user = User.objects.create_user("new_admin")
    role_grant(
        actor=world.admin, user=user, role=Role.CITY_ADMIN, place=world.city, may_view_full_pii=True
    )
    entry = last("role.grant")
    assert entry.actor == world.admin
    assert entry.changes["may_view_full_pii"] == [None, True]
    assert entry.changes["user.is_staff"] == [False, True]
    assert entry.changes["user.is_superuser"] == [False, True]


def test_a_revocation_is_logged_with_what_was_lost(world):
    user = User.objects.create_user("leaving")
    assignment = role_grant(
        actor=world.admin,
        user=user,
        role=Role.COMMUNITY_SECRETARY,
        place=world.community_a,
        may_view_full_pii=True,
    )
    role_revoke(actor=world.admin, assignment=assignment)
    entry = last("role.revoke")
    assert entry.object_id == str(assignment.pk)
    assert entry.changes["may_view_full_pii"] == [True, None]
    assert entry.changes["role"] == [Role.COMMUNITY_SECRETARY, None]


def test_api_tokens_issued_and_revoked_are_logged(world):
    user = world.users["secretary_a"]
    row, plaintext = api_token_issue(actor=user, user=user, name="对接")
    api_token_revoke(actor=user, token=row)
    assert last("api_token.issue").object_id == str(row.pk)
    assert last("api_token.revoke").object_id == str(row.pk)
    assert plaintext not in str(list(AuditEntry.objects.values_list("changes", flat=True)))


# --- The Django admin -----------------------------------------------------------------------


def test_making_a_user_staff_and_superuser_in_the_admin_is_logged(world, client):
    target = User.objects.create_user("clerk", password="a-long-password-1")
    client.force_login(world.admin)
    url = f"/admin/auth/user/{target.pk}/change/"
    data = admin_form_data(client, url)
    data.update(is_staff="on", is_superuser="on")
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    entry = last("admin.auth.user.change")
    assert entry.actor == world.admin and entry.object_id == str(target.pk)
    assert entry.changes["is_staff"] == [False, True]
    assert entry.changes["is_superuser"] == [False, True]


def test_groups_and_permissions_given_in_the_admin_are_logged(world, client):
    target = User.objects.create_user("clerk2")
    group = Group.objects.create(name="审计员")
    perm = Permission.objects.get(codename="view_auditentry")
    client.force_login(world.admin)
    url = f"/admin/auth/user/{target.pk}/change/"
    data = admin_form_data(client, url)
    data.update(groups=[str(group.pk)], user_permissions=[str(perm.pk)])
    assert client.post(url, data).status_code == 302
    entry = last("admin.auth.user.change")
    assert entry.changes["groups"] == [[], ["审计员"]]
    assert entry.changes["user_permissions"] == [[], [str(perm)]]
    # And a group's own permissions
    url = f"/admin/auth/group/{group.pk}/change/"
    data = admin_form_data(client, url)
    data["permissions"] = [str(perm.pk)]
    assert client.post(url, data).status_code == 302
    assert last("admin.auth.group.change").changes["permissions"] == [[], [str(perm)]]


def test_a_role_assignments_pii_flag_changed_in_the_admin_is_logged(world, client):
    assignment = RoleAssignment.objects.filter(user=world.users["secretary_a"]).earliest("id")
    was = assignment.may_view_full_pii
    client.force_login(world.admin)
    url = f"/admin/people/roleassignment/{assignment.pk}/change/"
    data = admin_form_data(client, url)
    if was:
        data.pop("may_view_full_pii")
    else:
        data["may_view_full_pii"] = "on"
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    entry = last("admin.people.roleassignment.change")
    assert entry.changes["may_view_full_pii"] == [was, not was]


def test_deleting_a_role_assignment_and_a_token_in_the_admin_is_logged(world, client):
    assignment = RoleAssignment.objects.filter(user=world.users["secretary_a"]).earliest("id")
    token, _ = api_token_issue(actor=world.admin, user=world.admin, name="x")
    client.force_login(world.admin)
    url = f"/admin/people/roleassignment/{assignment.pk}/delete/"
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert last("admin.people.roleassignment.delete").object_id == str(assignment.pk)
    response = client.post(
        "/admin/people/apitoken/",
        {"action": "delete_selected", "_selected_action": [str(token.pk)], "post": "yes"},
    )
    assert response.status_code == 302
    assert last("admin.people.apitoken.delete").object_id == str(token.pk)
    assert not ApiToken.objects.filter(pk=token.pk).exists()


def test_a_user_added_in_the_admin_is_logged_without_the_password(world, client):
    client.force_login(world.admin)
    secret = "Very-secret-passw0rd"
    response = client.post(
        "/admin/auth/user/add/",
        {"username": "added", "password1": secret, "password2": secret, "usable_password": "true"},
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    entry = last("admin.auth.user.add")
    assert entry.changes["username"] == [None, "added"]
    assert secret not in str(entry.changes)
