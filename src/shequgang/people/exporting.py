"""The register export (台账导出): the residents of a subtree as an .xlsx in the import's
layout, so an export with full values can be imported again."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from shequgang.actors import Actor
from shequgang.audit.services import audit_record
from shequgang.errors import NotFound
from shequgang.people import pii
from shequgang.people.models import Relation, Resident, ResidentStatus, ResidentTag
from shequgang.people.phones import national_phone
from shequgang.people.register_sheet import COLUMNS, HEADERS, SHEET_TITLE
from shequgang.people.roles import Perm
from shequgang.people.scope import may_view_full_pii, place_in_scope, scoped_residents
from shequgang.places.models import Kind, Place
from shequgang.places.selectors import place_ancestors
from shequgang.spreadsheets.xlsx import XlsxBook

# Residents read per database round trip (their tags come in one query per chunk).
_CHUNK = 900
_ABOVE_HOUSEHOLD = [Kind.COUNTY, Kind.TOWN, Kind.COMMUNITY, Kind.COMPOUND, Kind.BUILDING, Kind.UNIT]
_RELATION_LABELS = {str(value): str(label) for value, label in Relation.choices}


def register_export(*, actor: Actor, within: Place, reveal: bool = True) -> bytes:
    """The active residents in ``within``'s subtree that the actor may export, as .xlsx.

    ID numbers and phones are masked, except — when ``reveal`` (the doors pass it only after
    the password was typed again, as for a reveal) — for residents whose household lies
    where the actor may view full personal data: those are decrypted. Raises NotFound unless the
    actor holds resident.export on ``within``. Writes one audit row (``resident.export``)
    with the number of residents and how many were shown in full. Streams rows from the
    database in chunks into the shared writer, which quotes any text a spreadsheet would
    run as a formula (a note such as ``=HYPERLINK(…)`` beside full ID numbers)."""
    if actor is None or not place_in_scope(actor, Perm.RESIDENT_EXPORT, within):
        raise NotFound("地点")
    book = XlsxBook()
    sheet = book.add_sheet(SHEET_TITLE, HEADERS)
    names = _PlaceNames(within)
    tag_names = dict(ResidentTag.objects.values_list("id", "name"))
    count = full = 0
    for chunk in _chunks(_residents(actor, within)):
        tags = _tags_of([r.pk for r in chunk])
        for resident in chunk:
            show_full = reveal and may_view_full_pii(actor, resident.household)
            sheet.append(
                _row(resident, names, [tag_names[t] for t in tags.get(resident.pk, [])], show_full)
            )
            count += 1
            full += show_full
    content = book.to_bytes()
    # Outside any transaction on purpose: a long export must not hold SQLite's write lock.
    audit_record(
        actor=actor,
        action="resident.export",
        obj=within,
        changes={
            "count": [None, count],
            "full_values": [None, full > 0],
            "full_count": [None, full],
        },
    )
    return content


def _residents(actor: Actor, within: Place) -> Iterator[Resident]:
    assert actor is not None
    return (
        scoped_residents(actor, Perm.RESIDENT_EXPORT)
        .filter(household__path__descendant=within.path, status=ResidentStatus.ACTIVE)
        .select_related("household")
        .order_by("household__path", "id")
        .iterator(chunk_size=_CHUNK)
    )


def _chunks(residents: Iterator[Resident]) -> Iterator[list[Resident]]:
    chunk: list[Resident] = []
    for resident in residents:
        chunk.append(resident)
        if len(chunk) == _CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _tags_of(resident_ids: list[int]) -> dict[int, list[int]]:
    through = Resident.tags.through
    out: dict[int, list[int]] = {}
    links = through.objects.filter(resident_id__in=resident_ids).order_by("id")
    for resident_id, tag_id in links.values_list("resident_id", "residenttag_id"):
        out.setdefault(resident_id, []).append(tag_id)
    return out


class _PlaceNames:
    """The names above each household (county … unit), from one query over the places
    between ``within``'s ancestors and the units below it."""

    def __init__(self, within: Place) -> None:
        self.nodes: dict[int, tuple[int | None, str, str]] = {
            p.pk: (p.parent_id, p.kind, p.name) for p in place_ancestors(place=within)
        }
        below = Place.objects.filter(
            path__descendant=within.path, kind__in=_ABOVE_HOUSEHOLD
        ).values_list("id", "parent_id", "kind", "name")
        for pk, parent_id, kind, name in below.iterator(chunk_size=5000):
            self.nodes[pk] = (parent_id, kind, name)
        self.cache: dict[int, dict[str, str]] = {}

    def above(self, parent_id: int) -> dict[str, str]:
        """Column values by kind for the chain ending at ``parent_id``."""
        found = self.cache.get(parent_id)
        if found is None:
            found = {}
            node: int | None = parent_id
            while node is not None and node in self.nodes:
                parent, kind, name = self.nodes[node]
                found[kind] = name
                node = parent
            self.cache[parent_id] = found
        return found


def _row(resident: Resident, names: _PlaceNames, tags: list[str], show_full: bool) -> list[object]:
    household = resident.household
    assert household.parent_id is not None
    above = names.above(household.parent_id)
    if show_full:
        id_number = pii.decrypt(resident.id_number_cipher) if resident.id_number_cipher else ""
        phone = national_phone(pii.decrypt(resident.phone_cipher)) if resident.phone_cipher else ""
    else:
        id_number, phone = resident.id_number_masked, resident.phone_masked
    area: Decimal | None = household.floor_area
    values: dict[str, object] = {
        "county": above.get(Kind.COUNTY, ""),
        "town": above.get(Kind.TOWN, ""),
        "community": above.get(Kind.COMMUNITY, ""),
        "compound": above.get(Kind.COMPOUND, ""),
        "building": above.get(Kind.BUILDING, ""),
        "unit": above.get(Kind.UNIT, ""),
        "household": household.name,
        "floor_area": area,
        "name": resident.name,
        "id_number": id_number,
        "phone": phone,
        "relation": _RELATION_LABELS.get(resident.relation, resident.relation),
        "tags": "，".join(tags),
        "note": resident.note,
    }
    return [values[c.key] for c in COLUMNS]
