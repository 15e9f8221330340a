"""The searchable place picker every form with a place field uses: type part of a name
(or of the names above it: "滨东 3号楼"), pick one of the matches — no chain of
drop-downs from the county down.

``place_matches`` is the search, scoped in SQL to the places where the user holds the
field's permission (``place_scope_q``); a login without any role (a resident raising a
case where they live) searches the whole tree, as raising a resident's case is not
scoped. ``PlaceSearchWidget`` renders the field: a search box whose matches come back
(htmx, ``people:place_search``) as radio buttons carrying the field's name, so the
choice is submitted like any other field and works without further JavaScript.

Without JavaScript the search box still works, one round trip at a time: the form is
submitted with the words typed (``<name>__q``) and no place, the field is refused as
empty (nothing is written), and the page comes back with the matches rendered as the
same radio buttons (a single match already ticked) for the next submit. The value that
arrives is a place id either way, checked by the form against its own scope."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.db.models import Q
from django.urls import reverse
from django.utils.http import urlencode

from shequgang.people.roles import ROLE_PERMS, Perm
from shequgang.people.scope import active_assignments, is_unrestricted, place_scope_q
from shequgang.places.models import Kind, Place
from shequgang.places.paths import ancestor_paths

LIMIT = 20
# A term narrows by the places it names above: at most this many of them per term.
_ANCESTOR_MATCHES = 50
# Above the community, names are long and shared by everything: labels start there.
_LABEL_KINDS = {Kind.COMMUNITY, Kind.COMPOUND, Kind.BUILDING, Kind.UNIT, Kind.HOUSEHOLD}


@dataclass(frozen=True)
class PlaceOption:
    pk: int
    label: str  # the names from the community down: "城东社区 滨东花园小区 1号楼 101"
    kind: str


def place_pk(value: Any) -> int | None:
    """A picked value as an id: ASCII digits, at most 11 of them; else None."""
    text = str(value or "")
    return int(text) if text.isascii() and text.isdigit() and len(text) < 12 else None


def _scope(user: User, perm: str) -> Q:
    if is_unrestricted(user) or not any(
        perm in ROLE_PERMS[a.role] for a in active_assignments(user)
    ):
        return Q()  # see the module's docstring
    return place_scope_q(user, perm)


def labels_of(places: list[Place]) -> dict[int, str]:
    """Each place's label, with one query for all their ancestors."""
    wanted = {a for p in places for a in ancestor_paths(p.path)}
    names = dict(
        Place.objects.filter(path__in=wanted, kind__in=_LABEL_KINDS).values_list("path", "name")
    )
    return {
        p.pk: " ".join([*(names[a] for a in ancestor_paths(p.path)[:-1] if a in names), p.name])
        for p in places
    }


def place_matches(
    user: User, *, query: str, perm: str, kinds: list[str], limit: int = LIMIT
) -> list[PlaceOption]:
    """Places of ``kinds`` in ``user``'s scope for ``perm`` whose name holds the last
    term of ``query`` and that lie under a place named by each other term; in tree order."""
    terms = query.split()[:4]
    if not terms:
        return []
    scope = _scope(user, perm)
    qs = Place.objects.filter(scope, kind__in=kinds, name__icontains=terms[-1])
    for term in terms[:-1]:
        above = Place.objects.filter(scope, name__icontains=term).values_list("path", flat=True)
        narrowed = Q(pk__in=[])
        for path in above[:_ANCESTOR_MATCHES]:
            narrowed |= Q(path__descendant=path)
        qs = qs.filter(narrowed)
    places = list(qs.order_by("path")[:limit])
    labels = labels_of(places)
    return [PlaceOption(pk=p.pk, label=labels[p.pk], kind=p.kind) for p in places]


def chosen_option(user: User, *, pk: int | None, perm: str, kinds: list[str]) -> PlaceOption | None:
    """The option for a value already chosen, if it is still one the user may pick."""
    if pk is None:
        return None
    place = Place.objects.filter(_scope(user, perm), pk=pk, kind__in=kinds).first()
    if place is None:
        return None
    return PlaceOption(pk=place.pk, label=labels_of([place])[place.pk], kind=place.kind)


class PlaceSearchWidget(forms.Widget):
    """The picker as a form widget. The form sets ``user`` before rendering (for the
    chosen place's label and the search's scope); ``perm`` and ``kinds`` say what may be
    picked. The value is a place id, as a plain select would send it."""

    template_name = "people/widgets/place_search.html"

    def __init__(
        self, *, perm: str = Perm.PLACE_VIEW, kinds: list[str] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.perm = str(perm)
        self.kinds = [str(k) for k in (kinds or list(Kind.values))]
        self.user: User | None = None
        # The words typed in a submit that carried no place (the no-JavaScript search).
        self.query = ""

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        pk = place_pk(value)
        chosen = (
            chosen_option(self.user, pk=pk, perm=self.perm, kinds=self.kinds)
            if self.user is not None
            else None
        )
        options = None
        if chosen is None and self.query and self.user is not None:
            options = place_matches(self.user, query=self.query, perm=self.perm, kinds=self.kinds)
            if len(options) == 1:  # the only match, ticked: one more submit confirms it
                chosen, options = options[0], []
        params = {"name": name, "perm": self.perm, "kinds": ",".join(self.kinds)}
        context["picker"] = {
            "chosen": chosen,
            "options": options,
            "query": self.query,
            "url": f"{reverse('people:place_search')}?{urlencode(params)}",
            "kinds": "、".join(Kind(k).label for k in self.kinds),
        }
        return context

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        value = data.get(name)
        if not value:
            self.query = str(data.get(f"{name}__q") or "")[:100]
        return value
