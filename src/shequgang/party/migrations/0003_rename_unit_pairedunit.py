"""``party.Unit`` becomes ``party.PairedUnit`` (报到单位), so that "unit" no longer means three
things (a 单元 of the place tree, a 报到单位, a points earning basis). Renames the tables
(``party_unit`` → ``party_pairedunit`` and its accounts table) and the foreign keys follow;
rows and ids are kept."""

from django.conf import settings
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("party", "0002_activities"),
        ("places", "0001_initial"),
    ]

    operations = [
        migrations.RenameModel(old_name="Unit", new_name="PairedUnit"),
    ]
