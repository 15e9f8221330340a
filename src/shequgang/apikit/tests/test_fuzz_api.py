"""Schemathesis over the whole OpenAPI document of /api/v1/: every operation, anonymously
and with the bearer token of three demo personas, must never answer 5xx.

In-process (schemathesis' WSGI transport against Django's WSGI application, no server), on
the test database holding the small demo city of 吕梁, so path ids are drawn from real rows
(three in four times) as well as generated. Each request is rolled back afterwards (a
savepoint), so every case meets the same city. Reproducible: derandomized unless a seed is
given. Scale it with the environment:

    SHEQUGANG_FUZZ_EXAMPLES=10   examples per operation and persona (anonymous: a fifth)
    SHEQUGANG_FUZZ_SEED=<int>    a Hypothesis seed instead of the fixed derandomized run

    SHEQUGANG_FUZZ_EXAMPLES=100 .venv/bin/pytest -q -s src/shequgang/apikit/tests/test_fuzz_api.py
"""

from __future__ import annotations

import io
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from django.apps import apps
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup

from shequgang.api import api
from shequgang.people.services import api_token_issue
from shequgang.settings import env_int
from shequgang.wsgi import application

EXAMPLES = env_int("SHEQUGANG_FUZZ_EXAMPLES", 10, minimum=1)
SEED = env_int("SHEQUGANG_FUZZ_SEED", 0)
# A community secretary, a grid worker of that community, a 党员中心户 (a resident's door);
# None is anonymous.
PERSONAS = [None, "chengdong_secretary", "chengdong_grid1", "bindong_central"]

# Path placeholder → the model whose rows fill it (the field, if not the primary key).
REAL_IDS: dict[str, tuple[str, str]] = {
    "case_id": ("cases.Case", "pk"),
    "number": ("cases.Case", "number"),
    "place_id": ("places.Place", "pk"),
    "community_id": ("places.Place", "pk"),
    "household_id": ("places.Place", "pk"),
    "grid_id": ("places.Grid", "pk"),
    "department_id": ("places.Department", "pk"),
    "resident_id": ("people.Resident", "pk"),
    "token_id": ("people.ApiToken", "pk"),
    "year": ("veterans.Program", "year"),
    "reference": ("veterans.Application", "reference"),
    "deliberation_id": ("cases.Deliberation", "pk"),
    "follow_up_id": ("cases.FollowUp", "pk"),
    "entry_id": ("cases.OwnerRollEntry", "pk"),
    "intake_id": ("cases.CaseIntake", "pk"),
    "photo_id": ("cases.CasePhoto", "pk"),
    "notification_id": ("cases.Notification", "pk"),
    "branch_id": ("party.Branch", "pk"),
    "central_id": ("party.CentralHousehold", "pk"),
    "member_id": ("party.Member", "pk"),
    "report_id": ("party.MemberReport", "pk"),
    "pairing_id": ("party.UnitPairing", "pk"),
    "item_id": ("party.Responsibility", "pk"),
    "unit_id": ("party.PairedUnit", "pk"),
    "activity_id": ("party.Activity", "pk"),
    "signup_id": ("party.Signup", "pk"),
    "order_id": ("points.Order", "pk"),
    "goods_id": ("points.Goods", "pk"),
    "adjustment_id": ("points.Adjustment", "pk"),
    "txn_id": ("points.Transaction", "pk"),
    "account_id": ("points.Account", "pk"),
    "patrol_id": ("grid.Patrol", "pk"),
}


@pytest.fixture
def _keep_connection() -> Iterator[None]:
    """Django closes the database connection when a request finishes; the test client
    stops that (the test's transaction lives on the connection), and so must we."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture(scope="module")
def demo_city(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """The small demo city, loaded once for this module and rolled back after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("loaddemo", stdout=io.StringIO())
        yield
        transaction.set_rollback(True)


def _real_ids() -> dict[str, list[Any]]:
    found = {}
    for name, (label, column) in REAL_IDS.items():
        model = apps.get_model(label)
        values = list(model.objects.order_by("pk").values_list(column, flat=True)[:50])
        if values:
            found[name] = values
    return found


@dataclass
class Tally:
    cases: int = 0
    operations: int = 0
    failures: dict[str, str] = field(default_factory=dict)


def _fuzz(
    op: Any, headers: dict[str, str], ids: dict[str, list[Any]], n: int, tally: Tally
) -> None:
    strategy = st.one_of(
        op.as_strategy(generation_mode=GenerationMode.POSITIVE),
        op.as_strategy(generation_mode=GenerationMode.NEGATIVE),
    )

    @settings(
        max_examples=n,
        derandomize=not SEED,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )
    @given(case=strategy, pick=st.integers(0, 2**16))
    def run(case: Any, pick: int) -> None:
        for name in list(case.path_parameters or {}):
            if name in ids and pick % 4:
                case.path_parameters[name] = ids[name][pick % len(ids[name])]
        tally.cases += 1
        sid = transaction.savepoint()
        try:
            response = case.call(headers=headers)
            case.validate_response(response, checks=[not_a_server_error])
        except (Exception, FailureGroup) as exc:  # the group is a BaseExceptionGroup
            # Recorded, not raised: every operation is tried, and the report lists each
            # failing one once, with schemathesis' curl line to reproduce it.
            text = "".join(traceback.format_exception_only(exc))
            tally.failures.setdefault(op.label, text[-1500:])
        finally:
            # Roll back to the savepoint, then release it: left established, each one
            # would nest the next, and PostgreSQL runs out of lock slots after thousands.
            transaction.savepoint_rollback(sid)
            transaction.savepoint_commit(sid)
            transaction.set_rollback(False)

    if SEED:
        run = seed(SEED)(run)
    tally.operations += 1
    run()


@pytest.mark.usefixtures("_keep_connection")
@pytest.mark.parametrize("persona", PERSONAS, ids=lambda p: p or "anonymous")
def test_no_operation_answers_5xx(demo_city: None, db: None, persona: str | None) -> None:
    # Given the whole OpenAPI document, the demo city, and the persona's bearer token
    schema = schemathesis.openapi.from_dict(api.get_openapi_schema())
    schema.app = application  # the production WSGI stack, middleware and all
    headers = {}
    if persona is not None:
        from django.contrib.auth.models import User

        user = User.objects.get(username=persona)
        _, token = api_token_issue(actor=user, user=user, name="fuzz")
        headers = {"Authorization": f"Bearer {token}"}
    ids = _real_ids()
    tally = Tally()
    # When every operation gets generated requests, valid and invalid
    for result in schema.get_all_operations():
        op = result.ok()  # type: ignore[union-attr]  # an invalid schema fails here, loudly
        _fuzz(op, headers, ids, EXAMPLES if persona else max(1, EXAMPLES // 5), tally)
    print(f"\nfuzz {persona or 'anonymous'}: {tally.operations} operations, {tally.cases} cases")
    # Then none of them answered with a server error
    report = [f"{label}\n{text}" for label, text in tally.failures.items()]
    assert not report, f"{len(report)} operations answered 5xx:\n" + "\n\n".join(report)
