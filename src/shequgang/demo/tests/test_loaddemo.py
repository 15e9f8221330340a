"""`shequgang loaddemo`: the demo city of 吕梁, built through the real services.

The small city is loaded once for this module (``conftest.demo``: inside a transaction
rolled back after it, each test in its own savepoint); the tests that need an empty
database are in ``test_loaddemo_empty.py``."""

from __future__ import annotations

import io
import re
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.utils import timezone

from shequgang.demo.city import BINDONG_HOUSEHOLDS
from shequgang.demo.staff import ACCOUNTS, DEMO_PASSWORD
from shequgang.people import pii
from shequgang.people.id_numbers import parse_id_number
from shequgang.people.models import Resident, RoleAssignment
from shequgang.people.roles import Role
from shequgang.people.scope import may_view_full_pii, scoped_residents
from shequgang.people.services import id_number_index, phone_index
from shequgang.places.models import Grid, Kind, ManagementMode, Place

COUNTIES = {
    "离石区": "141102",
    "文水县": "141121",
    "交城县": "141122",
    "兴县": "141123",
    "临县": "141124",
    "柳林县": "141125",
    "石楼县": "141126",
    "岚县": "141127",
    "方山县": "141128",
    "中阳县": "141129",
    "交口县": "141130",
    "孝义市": "141181",
    "汾阳市": "141182",
}

# README.md's table: username -> (role, the node's full name or grid/department name).
ACCOUNT_NODES = {
    "city_admin": (Role.CITY_ADMIN, "吕梁市"),
    "lishi_command": (Role.COUNTY_COMMAND, "吕梁市 离石区"),
    "binhe_staff": (Role.TOWN_STAFF, "吕梁市 离石区 滨河街道"),
    "chengdong_secretary": (Role.COMMUNITY_SECRETARY, "吕梁市 离石区 滨河街道 城东社区"),
    "chengdong_worker": (Role.COMMUNITY_WORKER, "吕梁市 离石区 滨河街道 城东社区"),
    "chengdong_grid1": (Role.GRID_WORKER, "城东社区·第一网格"),
    "bindong_branch": (Role.BRANCH_SECRETARY, "吕梁市 离石区 滨河街道 城东社区 滨东花园小区"),
    "bindong_group1": (
        Role.PARTY_GROUP_LEADER,
        "吕梁市 离石区 滨河街道 城东社区 滨东花园小区 1号楼",
    ),
    "bindong_central": (
        Role.CENTRAL_HOUSEHOLD,
        "吕梁市 离石区 滨河街道 城东社区 滨东花园小区 1号楼 1单元 101",
    ),
    "lishi_cgj": (Role.DEPARTMENT_HANDLER, "离石区城市管理局"),
    "jianchang_secretary": (Role.COMMUNITY_SECRETARY, "吕梁市 汾阳市 太和桥街道 建昌社区"),
}


# A page that says there is nothing to show (暂无…, 没有找到…, 还没有…).
EMPTY = re.compile(r"暂无[^。<]{0,12}|没有找到\w*|还没有\w*|没有符合条件\w*")
# Pages whose emptiness is the truth for the role: personal pages of people who take no
# part (desk staff earn no points; the administrator and a department raise no cases and
# are sent no notices), and the register for roles that may not see residents.
_NO_POINTS = (
    "city_admin", "lishi_command", "binhe_staff", "chengdong_secretary",
    "chengdong_worker", "lishi_cgj", "jianchang_secretary",
)  # fmt: skip
NOTHING_IS_TRUE = {
    *((username, "/points/") for username in _NO_POINTS),
    ("city_admin", "/cases/mine/"),
    ("lishi_cgj", "/cases/mine/"),
    ("city_admin", "/inbox/"),
    ("bindong_central", "/residents/"),
    ("lishi_cgj", "/residents/"),
    # The demo's 敲门行动 is at 滨东花园 (城东社区): 建昌 has no campaign and no demands.
    ("jianchang_secretary", "/needs/"),
    ("jianchang_secretary", "/needs/demands/"),
}


def readme_usernames() -> tuple[list[str], list[str]]:
    """The staff and the resident login names of README.md's 演示账号 tables."""
    readme = (settings.PROJECT_DIR / "README.md").read_text(encoding="utf-8")
    section = readme.split("### 演示账号", 1)[1].split("\n## ", 1)[0]
    staff, residents = section.split("居民（", 1)
    row = re.compile(r"^\| `([a-z0-9_]+)` \|", flags=re.MULTILINE)
    return row.findall(staff), row.findall(residents)


def load(**options: Any) -> str:
    out = io.StringIO()
    call_command("loaddemo", stdout=out, **options)
    return out.getvalue()


def place(*names: str) -> Place:
    node = Place.objects.get(parent=None, name="吕梁市")
    for name in names:
        node = Place.objects.get(parent=node, name=name)
    return node


def households(node: Place) -> int:
    return Place.objects.filter(path__descendant=node.path, kind=Kind.HOUSEHOLD).count()


@pytest.mark.usefixtures("demo", "db")
class TestSmallCity:
    def test_the_city_and_its_13_counties_carry_gbt2260_codes(self):
        city = Place.objects.get(parent=None)
        assert (city.name, city.code, city.kind) == ("吕梁市", "141100", Kind.CITY)
        counties = dict(
            Place.objects.filter(parent=city, kind=Kind.COUNTY).values_list("name", "code")
        )
        assert counties == COUNTIES

    def test_lishi_has_its_real_subdistricts_and_towns(self):
        towns = dict(Place.objects.filter(parent=place("离石区")).values_list("name", "subtype"))
        assert towns == {
            **dict.fromkeys(
                [
                    "滨河街道",
                    "凤山街道",
                    "莲花池街道",
                    "城北街道",
                    "田家会街道",
                    "交口街道",
                    "西属巴街道",
                ],
                "街道",
            ),
            "吴城镇": "镇",
            "信义镇": "镇",
            "枣林乡": "乡",
            "坪头乡": "乡",
        }

    def test_the_seeds_named_places_are_where_the_article_puts_them(self):
        beimen = Place.objects.get(kind=Kind.COMPOUND, name="市委北门高层小区")
        assert beimen.full_name().startswith("离石区 ")
        assert place("汾阳市", "太和桥街道", "建昌社区", "昌瑞绿洲小区").kind == Kind.COMPOUND
        assert Place.objects.get(name="锄沟社区").full_name().startswith("柳林县 ")
        assert place("孝义市", "胜溪湖街道", "绿城社区", "盐业小区").management_mode == (
            ManagementMode.PROPERTY_COMMITTEE
        )
        assert place("中阳县", "宁乡镇").subtype == "镇"

    def test_every_county_has_compounds_and_households(self):
        for name in COUNTIES:
            county = place(name)
            compounds = Place.objects.filter(path__descendant=county.path, kind=Kind.COMPOUND)
            assert compounds.exists(), name
            assert households(county) > 0, name

    def test_compounds_are_run_in_every_management_mode(self):
        modes = set(
            Place.objects.filter(kind=Kind.COMPOUND).values_list("management_mode", flat=True)
        )
        assert {
            ManagementMode.SELF_MANAGED,
            ManagementMode.PROPERTY_COMPANY,
            ManagementMode.OWNERS_COMMITTEE,
            ManagementMode.PROPERTY_COMMITTEE,
        } <= modes
        company = Place.objects.filter(management_mode=ManagementMode.PROPERTY_COMPANY)
        assert not company.filter(property_company="").exists()

    def test_bindong_garden_has_the_articles_306_households_in_two_grids(self):
        chengdong = place("离石区", "滨河街道", "城东社区")
        bindong = place("离石区", "滨河街道", "城东社区", "滨东花园小区")
        assert households(bindong) == BINDONG_HOUSEHOLDS == 306
        grids = {g.name: g for g in Grid.objects.filter(community=chengdong)}
        assert {"第一网格", "第二网格"} <= set(grids)
        in_bindong = Place.objects.filter(path__descendant=bindong.path, kind=Kind.HOUSEHOLD)
        by_grid = {grids["第一网格"].pk: 0, grids["第二网格"].pk: 0}
        for grid_id in in_bindong.values_list("grid_id", flat=True):
            by_grid[grid_id] += 1
        assert sum(by_grid.values()) == 306 and all(by_grid.values())

    def test_households_have_room_numbers_floor_areas_and_one_to_four_residents(self):
        home = place("离石区", "滨河街道", "城东社区", "滨东花园小区", "1号楼", "1单元", "502")
        assert home.kind == Kind.HOUSEHOLD
        assert home.floor_area is not None and home.floor_area > 0
        assert not Place.objects.filter(kind=Kind.HOUSEHOLD, floor_area__isnull=True).exists()
        sizes = set(
            Place.objects.filter(kind=Kind.HOUSEHOLD)
            .annotate(n=Count("residents"))
            .values_list("n", flat=True)
        )
        assert sizes <= {1, 2, 3, 4} and len(sizes) > 1

    def test_every_readme_account_logs_in_and_holds_its_role_on_its_node(
        self, settings: Any
    ) -> None:
        settings.DEMO_MODE = True  # outside demo mode the published password is refused
        usernames, _residents = readme_usernames()
        assert sorted(usernames) == sorted(ACCOUNT_NODES)
        for username in usernames:
            user = User.objects.get(username=username)
            assert user.first_name and re.fullmatch(r"[\u4e00-\u9fff]{2,4}", user.first_name)
            login = Client().post("/login/", {"username": username, "password": DEMO_PASSWORD})
            assert login.status_code == 302, username
            (assignment,) = RoleAssignment.objects.filter(user=user, revoked_at=None)
            role, node = ACCOUNT_NODES[username]
            assert assignment.role == role, username
            if assignment.place is not None:
                assert assignment.place.full_name(below=Kind.CITY) == node, username
            else:
                assert assignment.node_name == node, username
        admin = User.objects.get(username="city_admin")
        assert admin.is_superuser and admin.is_staff

    def test_the_grid_worker_sees_the_residents_of_the_first_grid_only(self):
        worker = User.objects.get(username="chengdong_grid1")
        grid = Grid.objects.get(community__name="城东社区", name="第一网格")
        seen = scoped_residents(worker)
        assert seen.exists()
        assert set(seen.values_list("household__grid_id", flat=True)) == {grid.pk}
        assert seen.count() == Resident.objects.filter(household__grid=grid).count()
        fifth = place("离石区", "滨河街道", "城东社区", "滨东花园小区", "5号楼")
        assert not seen.filter(household__path__startswith=fifth.path).exists()

    def test_the_chengdong_secretary_may_view_full_personal_data_there_only(self):
        secretary = User.objects.get(username="chengdong_secretary")
        worker = User.objects.get(username="chengdong_worker")
        home = place("离石区", "滨河街道", "城东社区", "滨东花园小区", "1号楼", "1单元", "101")
        jianchang = place("汾阳市", "太和桥街道", "建昌社区")
        assert may_view_full_pii(secretary, home)
        assert not may_view_full_pii(secretary, jianchang)
        assert not may_view_full_pii(worker, home)

    def test_personal_data_is_encrypted_valid_and_unique(self):
        rows = list(
            Resident.objects.values_list(
                "id_number_cipher", "id_number_index", "id_number_masked", "birth_date", "sex"
            )
        )
        numbers = []
        for cipher, index, masked, birth, sex in rows:
            number = pii.decrypt(cipher)
            parsed = parse_id_number(number)
            assert (parsed.birth_date, parsed.sex) == (birth, sex)
            assert index == id_number_index(number)
            assert masked == number[:4] + "*" * 10 + number[-4:]
            numbers.append(number)
        assert len(set(numbers)) == len(numbers)
        local = [n for n in numbers if n[:6] in COUNTIES.values()]
        assert len(local) > 0.8 * len(numbers)
        phones = [
            pii.decrypt(c)
            for c in Resident.objects.exclude(phone_cipher="").values_list(
                "phone_cipher", flat=True
            )
        ]
        assert all(re.fullmatch(r"\+861[358]\d{9}", p) for p in phones)
        one = Resident.objects.exclude(phone_cipher="").first()
        assert one is not None and one.phone_index == phone_index(pii.decrypt(one.phone_cipher))

        # Given every plaintext, when the raw table is read, then none of it is there.
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM people_resident")
            dump = repr(cursor.fetchall())
        runs = re.findall(r"\d{11,}X?", dump)
        windows = {run[i : i + 18] for run in runs for i in range(len(run) - 17)}
        windows |= {run[i : i + 11] for run in runs for i in range(len(run) - 10)}
        assert not windows & set(numbers)
        assert not windows & {p[3:] for p in phones}

    def test_tags_mark_elders_living_alone_and_others(self):
        codes = set(Resident.tags.through.objects.values_list("residenttag__code", flat=True))
        assert {"elder_alone", "party_member", "floating"} <= codes
        for elder in Resident.objects.filter(tags__code="elder_alone")[:50]:
            assert elder.household.residents.count() == 1

    def test_chengdong_has_activities_and_the_points_they_earned(self):
        from shequgang.party.activity_models import Activity, Signup
        from shequgang.points.models import Goods
        from shequgang.points.reconcile import reconcile

        # The months before: an activity a month, its volunteers' hours confirmed.
        history = Activity.objects.exclude(
            title__in=["滨东花园小区楼道清扫", "关爱独居老人上门探访"]
        )
        assert history.count() >= 5 and not history.exclude(status="finished").exists()
        assert Signup.objects.filter(activity__in=history, hours_confirmed_at__isnull=False).count()
        # Today's two: one just held, one open for sign-up.
        past = Activity.objects.get(title="滨东花园小区楼道清扫")
        upcoming = Activity.objects.get(title="关爱独居老人上门探访")
        assert past.status == "finished" and upcoming.status == "published"
        confirmed = Signup.objects.filter(activity=past, hours_confirmed_at__isnull=False)
        assert confirmed.count() == 2 and {s.hours for s in confirmed} == {Decimal("2.00")}
        assert Signup.objects.filter(activity=past, attendance="no_show").count() == 1
        assert list(upcoming.signups.values_list("status", flat=True)) == [
            "confirmed",
            "confirmed",
            "waiting",
        ]
        assert Goods.objects.count() == 5
        assert reconcile().ok

    def test_the_summary_reports_the_counts(self, demo):
        assert "吕梁演示数据已载入" in demo
        assert re.search(r"县（市、区）\s+13\b", demo)
        assert re.search(r"演示账号\s+11\b", demo)

    def test_six_months_of_cases_in_every_state_on_every_rung(self):
        from shequgang.cases.models import Case, CaseEvent, Rung, Status

        # Given the demo, then cases reach back about six months
        first = Case.objects.order_by("created_at").first()
        assert first is not None and (timezone.now() - first.created_at).days >= 150
        # and every state and rung is there, made by the services (events for each step)
        assert set(Case.objects.values_list("status", flat=True)) == set(Status.values)
        assert set(Case.objects.values_list("rung", flat=True)) == set(Rung.values)
        kinds = set(CaseEvent.objects.values_list("kind", flat=True))
        assert {
            "escalated", "dispatched", "dispatch_returned", "returned", "rerouted",
            "extension_granted", "yellow_card", "red_card", "merged", "reopened",
            "verified", "supervised", "on_hold", "closed", "ack_overdue",
        } <= kinds  # fmt: skip
        # resolved by the central household, escalated by the party group
        assert CaseEvent.objects.filter(kind="resolved", case__rung=Rung.CENTRAL_HOUSEHOLD)
        group = User.objects.get(username="bindong_group1")
        assert CaseEvent.objects.filter(kind="escalated", actor=group).exists()
        # and every case a map can place has coordinates
        assert not Case.objects.filter(latitude__isnull=True).exists()

    def test_meetings_patrols_points_and_the_veterans_programmes(self):
        from shequgang.cases.models import Deliberation
        from shequgang.grid.models import Patrol
        from shequgang.points.models import Order
        from shequgang.veterans.models import Program

        votes = {d.title: d.owners_vote for d in Deliberation.objects.exclude(owners_vote=None)}
        assert len(votes) == 2 and {v.status for v in votes.values()} == {"open", "closed"}
        assert all(v.ballots.count() > 100 for v in votes.values())
        patrols = Patrol.objects.filter(worker__username="chengdong_grid1")
        assert patrols.count() > 40 and all(p.points.count() > 50 for p in patrols[:3])
        assert Order.objects.filter(status="confirmed").count() >= 5
        now = timezone.now()
        real, demo = Program.objects.get(year=2026), Program.objects.get(year=2027)
        assert real.closes_at < now  # the notice's window closed on 31 July
        assert demo.published and demo.opens_at <= now < demo.closes_at
        assert demo.applications.count() >= 4

    def test_grids_have_boundaries_around_their_buildings(self):
        grid = Grid.objects.get(community__name="城东社区", name="第一网格")
        assert grid.boundary is not None and grid.boundary["type"] == "Polygon"
        (ring,) = grid.boundary["coordinates"]
        lons, lats = [p[0] for p in ring], [p[1] for p in ring]
        for building in Place.objects.filter(grid=grid, kind=Kind.BUILDING):
            assert min(lats) < building.latitude < max(lats)
            assert min(lons) < building.longitude < max(lons)
        assert min(lats) > 37.3 and max(lats) < 37.8 and 110.9 < min(lons) < 111.4  # 离石区
        assert not Grid.objects.filter(boundary=None).exists()

    def test_the_readmes_residents_log_in_with_their_history(self, settings: Any) -> None:
        from shequgang.cases.models import Case, CaseFollower
        from shequgang.points.models import Account
        from shequgang.residency.models import ResidentAccount

        settings.DEMO_MODE = True
        _staff, listed = readme_usernames()
        usernames = listed[:3]
        assert listed == ["bindong_elder", "bindong_parent", "bindong_renter", "jianchang_new1"]
        bindong = place("离石区", "滨河街道", "城东社区", "滨东花园小区")
        for username in usernames:
            # Given a resident of the README, when they sign in with the published password
            login = Client().post("/login/", {"username": username, "password": DEMO_PASSWORD})
            assert login.status_code == 302, username
            # then theirs is a confirmed account of a 滨东花园 household, with history
            account = ResidentAccount.objects.get(user__username=username)
            assert account.status == "confirmed" and account.resident is not None
            assert account.household.path.startswith(bindong.path)
            raised = Case.objects.filter(raiser=account.user)
            assert raised.filter(status="closed", rated_at__isnull=False).exists(), username
            assert Account.objects.filter(owner=account.user, balance__gt=0).exists(), username
            mine = Client()
            mine.force_login(account.user)
            page = mine.get("/cases/mine/").content.decode()
            assert raised.first().title in page and not EMPTY.search(page), username  # type: ignore[union-attr]
        elder = ResidentAccount.objects.get(user__username="bindong_elder")
        assert elder.resident is not None
        assert set(elder.resident.tags.values_list("code", flat=True)) >= {"elder_alone"}
        assert CaseFollower.objects.filter(user=elder.user).exists()
        renter = ResidentAccount.objects.get(user__username="bindong_renter")
        assert renter.resident is not None and renter.resident.relation == "tenant"
        pending = ResidentAccount.objects.filter(status="pending")
        assert pending.count() == 4
        assert pending.filter(household__path__startswith=bindong.path).count() == 3

    def test_every_staff_account_sees_figures_on_its_pages(self):
        """Each demo account signs in and opens every page of its menu: none says there
        is nothing to show, except where nothing is the truth for that role (below)."""
        failures = []
        for spec in ACCOUNTS:
            client = Client()
            client.force_login(User.objects.get(username=spec.username))
            home = client.get("/", follow=True).content.decode()
            menu = home.split("<nav", 1)[1].split("</nav>", 1)[0]
            links = dict.fromkeys(re.findall(r'href="(/[^"]*)"', menu))
            assert len(links) >= 5, spec.username
            for url in links:
                if url.startswith("/admin/") or (spec.username, url) in NOTHING_IS_TRUE:
                    continue
                page = client.get(url, follow=True)
                main = page.content.decode().split("<main>", 1)[-1]
                text = re.sub(r"<[^>]+>", " ", main)
                if page.status_code != 200 or EMPTY.search(text):
                    found = EMPTY.search(text)
                    failures.append((spec.username, url, page.status_code, found and found[0]))
        assert failures == []

    def test_the_command_centre_map_draws_grids_and_cases(self):
        client = Client()
        client.force_login(User.objects.get(username="lishi_command"))
        centre = client.get("/dashboard/", follow=True)
        scope = centre.redirect_chain[-1][0].rstrip("/").rsplit("/", 1)[-1]
        drawing = client.get(f"/dashboard/{scope}/map/").content.decode()
        assert drawing.count("<polygon") >= 3 and drawing.count("<circle") >= 5
        figures = client.get(f"/api/v1/dashboard/figures?scope={scope}").json()
        assert figures["open"] > 5 and figures["red"] > 0 and figures["overdue"] > 0

    def test_if_empty_does_nothing_the_second_time(self):
        before = (Place.objects.count(), Resident.objects.count(), User.objects.count())
        assert "跳过" in load(if_empty=True)
        assert (Place.objects.count(), Resident.objects.count(), User.objects.count()) == before

    def test_without_if_empty_a_second_load_is_refused(self):
        with pytest.raises(CommandError):
            load()
