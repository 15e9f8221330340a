"""Reconciliation recomputes balances from entries and finds tampering."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from shequgang.points.models import Account
from shequgang.points.reconcile import reconcile
from shequgang.points.tests.factories import fund, resident_user


def test_a_clean_ledger_reconciles(world, capsys):
    fund(resident_user(), world.community_a, 30)
    call_command("reconcile_points")
    assert "OK" in capsys.readouterr().out


def test_a_balance_tampered_in_the_database_is_found(world, capsys):
    user = resident_user()
    fund(user, world.community_a, 30)
    account = Account.objects.get(owner=user)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Account._meta.db_table} SET balance = balance + 1000 WHERE id = %s",
            [account.pk],
        )
    report = reconcile()
    assert [(d.account_id, d.stored, d.from_entries) for d in report.balances] == [
        (account.pk, 1030, 30)
    ]
    with pytest.raises(CommandError):
        call_command("reconcile_points")
    assert f"account={account.pk}" in capsys.readouterr().out


def test_an_entry_inserted_around_the_services_is_found(world):
    user = resident_user()
    txn = fund(user, world.community_a, 30)
    account = Account.objects.get(owner=user)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO points_entry (transaction_id, account_id, amount, created_at) "
            "VALUES (%s, %s, %s, %s)",
            [txn.pk, account.pk, 5, txn.created_at],
        )
    report = reconcile()
    assert [t.transaction_id for t in report.unbalanced] == [txn.pk]
    assert [d.account_id for d in report.balances] == [account.pk]


def test_the_database_refuses_a_negative_person_balance(world):
    from django.db import IntegrityError, transaction

    user = resident_user()
    fund(user, world.community_a, 5)
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.filter(owner=user).update(balance=-1)
