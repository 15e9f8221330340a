"""Today's points merchants (红色合作伙伴) become partners: one partner per merchant, named
and placed like it, owning it (``Partner.merchant``), with its operators as the partner's
accounts. Points keep working: the merchant, its account and its orders are untouched."""

from django.db import migrations


def partners_for_merchants(apps, schema_editor):  # type: ignore[no-untyped-def]
    Merchant = apps.get_model("points", "Merchant")
    Partner = apps.get_model("needs", "Partner")
    for merchant in Merchant.objects.filter(partner__isnull=True).order_by("pk"):
        name = merchant.name
        if Partner.objects.filter(community_id=merchant.community_id, name=name).exists():
            name = f"{name}（商家{merchant.pk}）"[:100]
        partner = Partner.objects.create(
            community_id=merchant.community_id,
            name=name,
            kind="enterprise",
            offers=merchant.offer,
            merchant=merchant,
            active=merchant.active,
        )
        partner.accounts.set(merchant.operators.all())


class Migration(migrations.Migration):
    dependencies = [
        ("needs", "0002_resources_projects_wishes_partners"),
        ("points", "0002_default_rules"),
    ]

    operations = [migrations.RunPython(partners_for_merchants, migrations.RunPython.noop)]
