"""Accounts confirmed before ``Resident.user`` existed: their register rows name the
login now, as ``resident_account_confirm`` does from here on (erased rows stay unlinked)."""

from django.db import migrations


def link(apps, schema_editor):
    ResidentAccount = apps.get_model("residency", "ResidentAccount")
    Resident = apps.get_model("people", "Resident")
    confirmed = ResidentAccount.objects.filter(
        status="confirmed", resident__anonymised_at__isnull=True
    ).values_list("resident_id", "user_id")
    for resident_id, user_id in confirmed.iterator():
        Resident.objects.filter(pk=resident_id, user__isnull=True).update(user_id=user_id)


class Migration(migrations.Migration):
    dependencies = [
        ("residency", "0001_initial"),
        ("people", "0005_resident_user"),
    ]

    operations = [migrations.RunPython(link, migrations.RunPython.noop)]
