"""Chain the rows written before the chain existed, in id order (both databases)."""

from typing import Any

from django.db import migrations

from shequgang.audit.chain import GENESIS, row_digest
from shequgang.audit.guard import guard_uninstall

BATCH = 2000


def chain_existing(apps: Any, schema_editor: Any) -> None:
    # The guard triggers (if a later migrate installed them) would refuse the UPDATEs;
    # post_migrate puts them back.
    guard_uninstall(schema_editor.connection)
    entry = apps.get_model("audit", "AuditEntry")
    prev = GENESIS
    last = 0
    while True:
        rows = list(entry._base_manager.filter(id__gt=last).order_by("id")[:BATCH])
        if not rows:
            return
        for row in rows:
            row.prev_hash = prev
            row.row_hash = row_digest(
                at=row.at,
                actor_id=row.actor_id,
                action=row.action,
                object_type=row.object_type,
                object_id=row.object_id,
                object_repr=row.object_repr,
                changes=row.changes or {},
                ip=row.ip,
                prev_hash=prev,
            )
            prev = row.row_hash
        # The base manager: plain, also when the tests pass the real (append-only) model.
        entry._base_manager.bulk_update(rows, ["prev_hash", "row_hash"])
        last = rows[-1].id


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_hash_chain")]

    operations = [migrations.RunPython(chain_existing, migrations.RunPython.noop)]
