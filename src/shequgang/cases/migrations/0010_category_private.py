from django.db import migrations, models
from django.db.models import Q

from shequgang.cases.categories import PRIVATE_CATEGORY_CODES


def mark_private(apps, schema_editor):
    """Disputes and the household matters of ``PRIVATE_CATEGORY_CODES`` start private;
    admins may change any category afterwards."""
    Category = apps.get_model("cases", "Category")
    Category.objects.filter(Q(is_dispute=True) | Q(code__in=sorted(PRIVATE_CATEGORY_CODES))).update(
        private=True
    )


class Migration(migrations.Migration):
    dependencies = [("cases", "0009_notification_claimed_by_worker")]

    operations = [
        migrations.AddField(
            model_name="category",
            name="private",
            field=models.BooleanField(
                default=False,
                help_text="纠纷、家庭矛盾、个人困难等：不在“可能重复的事项”中出现，其他居民不能关注",
                verbose_name="涉及隐私",
            ),
        ),
        migrations.RunPython(mark_private, migrations.RunPython.noop),
    ]
