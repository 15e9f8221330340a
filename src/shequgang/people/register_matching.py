"""Re-importing the register: the residents a sheet's ID numbers already name (matched by
the ID number's blind index), and whether a row would change what is registered. An
export imported back matches every row and changes none. Nothing here writes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from shequgang.people.models import Resident
from shequgang.people.services import phone_index

# Values per IN (...) lookup, under every database's parameter limit.
_IN_CHUNK = 900


@dataclass(frozen=True, slots=True)
class Registered:
    """What the register holds for one resident, as a row of the sheet would set it."""

    pk: int
    household_id: int
    household_path: str
    status: str
    name: str
    relation: str
    phone_index: str
    note: str
    tag_ids: frozenset[int]


def registered_by_index(indexes: Iterable[str]) -> dict[str, Registered]:
    """The residents holding these ID-number blind indexes (any status, anywhere)."""
    found: dict[str, Registered] = {}
    wanted = list(dict.fromkeys(indexes))
    through = Resident.tags.through
    for start in range(0, len(wanted), _IN_CHUNK):
        chunk = wanted[start : start + _IN_CHUNK]
        rows = list(
            Resident.objects.filter(id_number_index__in=chunk).values_list(
                "pk",
                "id_number_index",
                "household_id",
                "household__path",
                "status",
                "name",
                "relation",
                "phone_index",
                "note",
            )
        )
        tags: dict[int, set[int]] = {}
        links = through.objects.filter(resident_id__in=[r[0] for r in rows])
        for resident_id, tag_id in links.values_list("resident_id", "residenttag_id"):
            tags.setdefault(resident_id, set()).add(tag_id)
        for pk, index, household_id, path, status, name, relation, phone, note in rows:
            assert index is not None  # matched by it
            found[index] = Registered(
                pk=pk,
                household_id=household_id,
                household_path=path,
                status=status,
                name=name,
                relation=relation,
                phone_index=phone,
                note=note,
                tag_ids=frozenset(tags.get(pk, ())),
            )
    return found


def row_changes(
    registered: Registered,
    *,
    household_id: int | None,
    name: str,
    relation: str,
    phone: str | None,
    note: str,
    tag_ids: Iterable[int],
) -> list[str]:
    """The fields a row would change (``household_id`` None: a household still to be
    created, so a move). Phones compare by blind index, so no number is decrypted."""
    changed = []
    if household_id != registered.household_id:
        changed.append("household")
    if name != registered.name:
        changed.append("name")
    if relation != registered.relation:
        changed.append("relation")
    if (phone_index(phone) if phone else "") != registered.phone_index:
        changed.append("phone")
    if note != registered.note:
        changed.append("note")
    if frozenset(tag_ids) != registered.tag_ids:
        changed.append("tags")
    return changed
