"""双评价 and the yearly service record.

At year end a community rates each member who reported to it and each unit paired with
it, with the year's service figures frozen into the appraisal. A member's or unit's
yearly service record can be exported (.xlsx and PDF) by the member, the unit's liaison
accounts (for the unit and its own members) and party staff of the community. The hours
are the platform's service records, not a legal volunteer-hours certificate, and every
export says so."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from shequgang.actors import Actor, UserLike
from shequgang.audit.services import audit_record
from shequgang.errors import DomainError, Forbidden, NotFound
from shequgang.party.activity_models import (
    Activity,
    ActivityStatus,
    Appraisal,
    Grade,
    Signup,
    SignupStatus,
)
from shequgang.party.models import Member, MemberReport, PairedUnit, UnitPairing
from shequgang.people.roles import Perm
from shequgang.people.scope import place_in_scope, scoped_places
from shequgang.places.models import Kind, Place
from shequgang.spreadsheets.xlsx import XLSX_CONTENT_TYPE, XlsxBook
from shequgang.text_rules import text_clean

DISCLAIMER = (
    "说明：本记录为社区港平台登记的服务记录，时长经活动组织方确认，不作为法定的志愿服务时长证明。"
)
_TZ = ZoneInfo("Asia/Shanghai")


def year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    if not 2000 <= year <= 2100:
        raise DomainError("invalid_year", "年度应为2000至2100")
    return dt.datetime(year, 1, 1, tzinfo=_TZ), dt.datetime(year + 1, 1, 1, tzinfo=_TZ)


# --- Figures --------------------------------------------------------------------------------


@dataclass
class ServiceLine:
    activity: Activity
    hours: Decimal
    role: str  # 参加 / 组织


@dataclass
class ServiceRecord:
    year: int
    name: str
    kind: str  # 党员 / 单位
    lines: list[ServiceLine] = field(default_factory=list)
    hours: Decimal = Decimal("0.00")
    activities: int = 0
    appraisals: list[Appraisal] = field(default_factory=list)


def _confirmed_in(year: int) -> QuerySet[Signup]:
    start, end = year_bounds(year)
    return Signup.objects.filter(
        status=SignupStatus.CONFIRMED,
        hours_confirmed_at__isnull=False,
        activity__status=ActivityStatus.FINISHED,
        activity__starts_at__gte=start,
        activity__starts_at__lt=end,
    )


def member_signups(member: Member, year: int) -> QuerySet[Signup]:
    q = Q(member=member)
    if member.user_id:
        q |= Q(user_id=member.user_id)
    return _confirmed_in(year).filter(q, hours__gt=0)


def member_record(member: Member, year: int) -> ServiceRecord:
    signups = list(member_signups(member, year).select_related("activity", "activity__community"))
    record = ServiceRecord(year=year, name=member.name, kind="党员")
    record.lines = [ServiceLine(s.activity, s.hours, "参加") for s in signups]
    record.hours = sum((s.hours for s in signups), Decimal("0.00"))
    record.activities = len(signups)
    record.appraisals = list(
        Appraisal.objects.filter(member=member, year=year).select_related("community")
    )
    return record


def unit_record(unit: PairedUnit, year: int) -> ServiceRecord:
    """A unit's year: the activities it organised (with the hours its participants gave)
    and the hours its own members served."""
    start, end = year_bounds(year)
    organised = Activity.objects.filter(
        unit=unit, status=ActivityStatus.FINISHED, starts_at__gte=start, starts_at__lt=end
    ).order_by("starts_at")
    record = ServiceRecord(year=year, name=unit.name, kind="单位")
    for activity in organised:
        given = _confirmed_in(year).filter(activity=activity).aggregate(h=Sum("hours"))["h"]
        record.lines.append(ServiceLine(activity, given or Decimal("0.00"), "组织"))
    members = Member.objects.filter(work_unit=unit)
    member_ids = list(members.values_list("pk", flat=True))
    user_ids = [u for u in members.values_list("user_id", flat=True) if u is not None]
    member_hours = (
        _confirmed_in(year)
        .filter(Q(member_id__in=member_ids) | Q(user_id__in=user_ids))
        .aggregate(h=Sum("hours"))["h"]
    )
    record.hours = member_hours or Decimal("0.00")
    record.activities = len(record.lines)
    record.appraisals = list(
        Appraisal.objects.filter(unit=unit, year=year).select_related("community")
    )
    return record


# --- Who may see a record -----------------------------------------------------------------


def _member_communities(member: Member) -> list[int]:
    ids = set(MemberReport.objects.filter(member=member).values_list("community_id", flat=True))
    if member.community_id:
        ids.add(member.community_id)
    return sorted(ids)


def may_view_member(user: UserLike, member: Member) -> bool:
    if not user.is_authenticated:
        return False
    if member.user_id == user.pk:
        return True
    if (
        member.work_unit_id
        and member.work_unit
        and member.work_unit.accounts.filter(pk=user.pk).exists()
    ):
        return True
    communities = _member_communities(member)
    return scoped_places(user, Perm.PARTY_VIEW).filter(pk__in=communities).exists()


def may_view_unit(user: UserLike, unit: PairedUnit) -> bool:
    if not user.is_authenticated:
        return False
    if unit.accounts.filter(pk=user.pk).exists():
        return True
    communities = UnitPairing.objects.filter(unit=unit).values_list("community_id", flat=True)
    if scoped_places(user, Perm.PARTY_VIEW).filter(pk__in=list(communities)).exists():
        return True
    return place_in_scope(user, Perm.PARTY_VIEW, unit.place)


def access_member(user: UserLike, member_id: Any) -> Member:
    member = (
        Member.objects.select_related("work_unit").filter(pk=member_id).first()
        if str(member_id).isdigit()
        else None
    )
    if member is None or not may_view_member(user, member):
        raise NotFound("党员")
    return member


def access_unit(user: UserLike, unit_id: Any) -> PairedUnit:
    unit = PairedUnit.objects.filter(pk=unit_id).first() if str(unit_id).isdigit() else None
    if unit is None or not may_view_unit(user, unit):
        raise NotFound("单位")
    return unit


# --- Appraisal ----------------------------------------------------------------------------


def _reported_during(member: Member, community: Place, year: int) -> bool:
    start, end = year_bounds(year)
    return (
        MemberReport.objects.filter(member=member, community=community, reported_at__lt=end)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gte=start))
        .exists()
    )


def _paired_during(unit: PairedUnit, community: Place, year: int) -> bool:
    return (
        UnitPairing.objects.filter(
            unit=unit, community=community, started_on__lte=dt.date(year, 12, 31)
        )
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=dt.date(year, 1, 1)))
        .exists()
    )


def must_appraise(actor: Actor, community: Place) -> None:
    """Party staff of the community (``party.manage``) rate for it; 403 for anyone else."""
    if actor is None or not place_in_scope(actor, Perm.PARTY_MANAGE, community):
        raise Forbidden("无权评价此社区的报到党员和单位")


def appraisal_candidates(community: Place) -> QuerySet[Member]:
    """Members a community may name in an appraisal: its own and those who ever reported
    to it. Any other id is the same 404 as a missing one (a member of another county is
    not named back in an error message)."""
    reported = MemberReport.objects.filter(community=community).values("member_id")
    return Member.objects.filter(Q(community=community) | Q(pk__in=reported))


def appraisal_record(
    *,
    actor: Actor,
    year: int,
    community: Place,
    grade: str,
    comment: str = "",
    member: Member | None = None,
    unit: PairedUnit | None = None,
) -> tuple[Appraisal, bool]:
    """Rate a member who reported to ``community`` or a unit paired with it, for ``year``
    (this year or an earlier one). Rating again corrects the grade and comment (audited);
    the figures are taken afresh. Returns (appraisal, created)."""
    if actor is None or not actor.is_authenticated:
        raise DomainError("unauthenticated", "请先登录", status=401)
    year_bounds(year)
    if year > timezone.localdate().year:
        raise DomainError("invalid_year", "不能评价未来年度")
    if community.kind != Kind.COMMUNITY:
        raise DomainError("invalid_community", "评价须由社区作出")
    must_appraise(actor, community)
    if (member is None) == (unit is None):
        raise DomainError("one_target", "每条评价只针对一名党员或一个单位")
    if grade not in Grade.values:
        raise DomainError("invalid_grade", "等次应为优秀、良好、合格或不合格")
    comment = text_clean(comment, field="comment", label="评语", limit=500)
    if member is not None and not _reported_during(member, community, year):
        raise DomainError("not_reported", f"{member.name}在{year}年未向本社区报到")
    if unit is not None and not _paired_during(unit, community, year):
        raise DomainError("not_paired", f"{unit.name}在{year}年未与本社区结对")
    record = member_record(member, year) if member is not None else unit_record(unit, year)  # type: ignore[arg-type]
    with transaction.atomic():
        lookup: dict[str, Any] = {"year": year, "community": community}
        lookup["member" if member is not None else "unit"] = member or unit
        existing = Appraisal.objects.select_for_update().filter(**lookup).first()
        before = (existing.grade, existing.comment) if existing else (None, None)
        appraisal, created = Appraisal.objects.update_or_create(
            **lookup,
            defaults={
                "grade": grade,
                "comment": comment,
                "hours": record.hours,
                "activities": record.activities,
                "rated_by": actor,
                "rated_at": timezone.now(),
            },
        )
        audit_record(
            actor=actor,
            action="party.appraisal",
            obj=appraisal,
            changes={"grade": [before[0], grade], "comment": [before[1], comment]},
        )
    return appraisal, created


# --- Exports --------------------------------------------------------------------------------

XLSX_TYPE = XLSX_CONTENT_TYPE


def _rows(record: ServiceRecord) -> list[list[Any]]:
    return [
        [
            timezone.localtime(line.activity.starts_at).strftime("%Y-%m-%d %H:%M"),
            line.activity.title,
            line.activity.community.name,
            line.activity.location,
            line.role,
            float(line.hours),
        ]
        for line in record.lines
    ]


_HEADERS = ["时间", "活动", "社区", "地点", "方式", "时长(小时)"]


def export_xlsx(record: ServiceRecord) -> bytes:
    """The record as one sheet, through the shared writer (activity titles, places and
    appraisal comments are typed by people: none of them runs as a formula)."""
    book = XlsxBook()
    ws = book.add_sheet(
        f"{record.year}年服务记录",
        _HEADERS,
        above=[[f"{record.name}（{record.kind}）{record.year}年度服务记录"], []],
    )
    ws.extend(_rows(record))
    ws.append([])
    ws.append(["合计时长(小时)", float(record.hours), "活动数", record.activities])
    for a in record.appraisals:
        ws.append(["双评价", a.community.name, a.get_grade_display(), a.comment])
    ws.append([])
    ws.append([DISCLAIMER])
    return book.to_bytes()


def export_pdf(record: ServiceRecord) -> bytes:
    """A one-document PDF with the built-in CID font STSong-Light: no font file to ship,
    the reader supplies the Song face (every PDF reader in China does)."""
    from reportlab.lib import colors  # type: ignore[import-untyped]
    from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
    from reportlab.lib.styles import ParagraphStyle  # type: ignore[import-untyped]
    from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped]
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont  # type: ignore[import-untyped]
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle  # type: ignore[import-untyped]

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    title = ParagraphStyle("t", fontName="STSong-Light", fontSize=16, leading=22)
    body = ParagraphStyle("b", fontName="STSong-Light", fontSize=10, leading=15)
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, title=f"{record.name} {record.year}年度服务记录")
    story: list[Any] = [
        Paragraph(f"{record.name}（{record.kind}）{record.year}年度服务记录", title),
        Spacer(1, 8),
    ]
    data: list[list[Any]] = [_HEADERS] + [[str(c) for c in r] for r in _rows(record)]
    table = Table(data, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), "STSong-Light"),
                ("FONTSIZE", (0, 0), (-1, -1), 9),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
            ]
        )
    )
    story += [table, Spacer(1, 8)]
    story.append(Paragraph(f"合计时长：{record.hours} 小时；活动数：{record.activities}", body))
    for a in record.appraisals:
        story.append(
            Paragraph(f"双评价（{a.community.name}）：{a.get_grade_display()} {a.comment}", body)
        )
    story += [Spacer(1, 12), Paragraph(DISCLAIMER, body)]
    doc.build(story)
    return out.getvalue()


def record_export(
    *, actor: Actor, record: ServiceRecord, fmt: str, subject: Any
) -> tuple[bytes, str, str]:
    """The export bytes, content type and file name. Writes one audit row
    (``party.service_record_export``) with the year, format and number of activity rows;
    the record holds no ID numbers or phones, so ``full`` is always false."""
    if fmt not in {"xlsx", "pdf"}:
        raise DomainError("invalid_format", "格式应为 xlsx 或 pdf")
    content = export_xlsx(record) if fmt == "xlsx" else export_pdf(record)
    audit_record(
        actor=actor,
        action="party.service_record_export",
        obj=subject,
        changes={
            "year": [None, record.year],
            "format": [None, fmt],
            "rows": [None, len(record.lines)],
            "full": [None, False],
        },
    )
    name = f"service-record-{record.year}-{subject._meta.model_name}-{subject.pk}.{fmt}"
    return content, XLSX_TYPE if fmt == "xlsx" else "application/pdf", name
