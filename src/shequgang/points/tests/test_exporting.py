"""The staff ledger export: every text a person or partner typed is written as text,
amounts stay numbers, and the export is audited."""

from __future__ import annotations

from shequgang.apikit.testing import api_client
from shequgang.audit.models import AuditEntry
from shequgang.points.models import Source
from shequgang.points.services import points_earn
from shequgang.points.tests.factories import no_caps, resident_user
from shequgang.spreadsheets.testing import (
    HOSTILE_FORMULA,
    cells_with,
    formula_cells,
    workbook_cells,
)
from shequgang.testing import World


def test_typed_text_in_the_ledger_is_text_never_a_formula(world: World) -> None:
    # Given an award whose reason is a live link, whose reference starts with a tab (which
    # hides a formula from the eye) and whose key starts with "@",
    person = resident_user("ledger_person")
    no_caps(world.community_a)
    points_earn(
        actor=world.users["worker_a"],
        user=person,
        community=world.community_a,
        amount=5,
        source=Source.ACTIVITY,
        source_ref="\t=1+1",
        reason=HOSTILE_FORMULA,
        idempotency_key="@SUM(1)",
    )

    # when the secretary downloads the ledger,
    response = api_client(world.users["secretary_a"]).get(
        f"/points/communities/{world.community_a.pk}/ledger.xlsx"
    )

    # then no cell is a formula, each text is quoted, the amounts are numbers,
    assert response.status_code == 200
    content = response.content
    assert formula_cells(content) == []
    # (two entries, the person's and the issuing account's, so every text twice)
    assert {c.value for c in cells_with(content, "HYPERLINK")} == {"'" + HOSTILE_FORMULA}
    assert {c.value for c in cells_with(content, "=1+1")} == {"'\t=1+1"}
    assert {c.value for c in cells_with(content, "@SUM")} == {"'@SUM(1)"}
    amounts = [c.value for c in workbook_cells(content) if c.coordinate in {"I2", "I3"}]
    assert sorted(amounts) == [-5, 5]  # type: ignore[type-var]
    # and the export is audited with its row count, as holding no full personal data.
    entry = AuditEntry.objects.get(action="points.ledger_export")
    assert entry.changes == {"rows": [None, 2], "full": [None, False]}
