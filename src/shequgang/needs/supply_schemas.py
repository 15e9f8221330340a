"""Input and output schemas of the supply-side API (resources, matches, projects,
wishes, partners)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Schema
from pydantic import Field

from shequgang.apikit.schemas import BodyId, PageOut, SafeStr
from shequgang.needs.matching import DemandSuggestion, Suggestion
from shequgang.needs.project_models import Project
from shequgang.needs.supply_models import Partner, Resource
from shequgang.needs.wish_models import Wish

Text100 = Annotated[SafeStr, Field(max_length=100)]
Text200 = Annotated[SafeStr, Field(max_length=200)]
Text300 = Annotated[SafeStr, Field(max_length=300)]
Text500 = Annotated[SafeStr, Field(max_length=500)]
Phone = Annotated[SafeStr, Field(max_length=30)]


class ResourceIn(Schema):
    type: Annotated[SafeStr, Field(max_length=16)]
    title: Text100
    place_id: BodyId
    capacity: int = Field(ge=1, le=100_000)
    available_from: dt.date
    available_until: dt.date | None = None
    valid_until: dt.date
    days: int = Field(127, ge=1, le=127, description="可用星期（位：周一=1 … 周日=64）")
    description: Text500 = ""
    contact_name: Annotated[SafeStr, Field(max_length=50)] = ""
    contact_phone: Phone = ""
    unit_id: BodyId | None = Field(
        None, description="报到单位；与 partner_id 二选一，都不填为本人志愿者"
    )
    partner_id: BodyId | None = None


class ResourceUpdateIn(Schema):
    valid_until: dt.date | None = None
    available_until: dt.date | None = None
    capacity: int | None = Field(None, ge=1, le=100_000)
    contact_phone: Phone | None = None
    active: bool | None = None


class ResourceOut(Schema):
    id: int
    type: str
    type_label: str
    title: str
    offerer_kind: str
    offerer: str
    place_id: int
    place: str
    capacity: int
    remaining: int
    available_from: dt.date
    available_until: dt.date | None
    days: int
    valid_until: dt.date
    active: bool
    contact_name: str
    contact_phone: str = Field(description="脱敏")

    @staticmethod
    def build(r: Resource) -> ResourceOut:
        return ResourceOut(
            id=r.pk,
            type=r.type,
            type_label=r.get_type_display(),
            title=r.title,
            offerer_kind=r.offerer_kind,
            offerer=r.offerer_name,
            place_id=r.place_id,
            place=r.place.name,
            capacity=r.capacity,
            remaining=r.remaining,
            available_from=r.available_from,
            available_until=r.available_until,
            days=r.days,
            valid_until=r.valid_until,
            active=r.active,
            contact_name=r.contact_name,
            contact_phone=r.contact_phone_masked,
        )


class ResourcePageOut(PageOut):
    items: list[ResourceOut]


class SuggestionOut(Schema):
    resource: ResourceOut
    tier: int
    reasons: list[str]
    reason_text: str

    @staticmethod
    def build(s: Suggestion) -> SuggestionOut:
        return SuggestionOut(
            resource=ResourceOut.build(s.resource),
            tier=s.tier,
            reasons=list(s.reasons),
            reason_text=s.reason_text,
        )


class DemandSuggestionOut(Schema):
    demand_id: int
    type: str
    place: str
    urgency: str
    description: str
    tier: int
    reasons: list[str]
    reason_text: str

    @staticmethod
    def build(s: DemandSuggestion) -> DemandSuggestionOut:
        d = s.demand
        return DemandSuggestionOut(
            demand_id=d.pk,
            type=d.type,
            place=d.place.name,
            urgency=d.urgency,
            description=d.description,
            tier=s.tier,
            reasons=list(s.reasons),
            reason_text=s.reason_text,
        )


class MatchIn(Schema):
    resource_id: BodyId | None = None
    project_id: BodyId | None = Field(None, description="加入已有项目；不填则新建")
    title: Text100 = ""


class ProjectIn(Schema):
    community_id: BodyId
    title: Text100
    description: Annotated[SafeStr, Field(max_length=2000)] = ""
    budget: Decimal = Field(Decimal(0), ge=0, lt=Decimal("1e10"), max_digits=12, decimal_places=2)
    participant_points: int = Field(0, ge=0, le=200)


class MilestoneIn(Schema):
    title: Text100
    due_on: dt.date


class ParticipantIn(Schema):
    user_id: BodyId
    role: Annotated[SafeStr, Field(max_length=50)] = ""


class SignoffIn(Schema):
    signed_by: Annotated[SafeStr, Field(min_length=1, max_length=50)]
    note: Text200 = ""


class TransitionIn(Schema):
    to: Literal["active", "completed", "cancelled"]
    reason: Text200 = ""
    beneficiaries: int | None = Field(None, ge=0, le=1_000_000)


class ProjectOut(Schema):
    id: int
    community_id: int
    community: str
    title: str
    description: str
    owner: str
    budget: Decimal
    status: str
    status_label: str
    participant_points: int
    beneficiaries: int
    created_at: dt.datetime
    completed_at: dt.datetime | None
    demand_ids: list[int]
    milestones: list[dict[str, object]]
    participants: list[str]
    evidence: list[dict[str, object]]

    @staticmethod
    def build(p: Project) -> ProjectOut:
        return ProjectOut(
            id=p.pk,
            community_id=p.community_id,
            community=p.community.name,
            title=p.title,
            description=p.description,
            owner=p.owner.username,
            budget=p.budget,
            status=p.status,
            status_label=p.get_status_display(),
            participant_points=p.participant_points,
            beneficiaries=p.beneficiaries,
            created_at=p.created_at,
            completed_at=p.completed_at,
            demand_ids=[link.demand_id for link in p.demand_links.all()],
            milestones=[
                {
                    "id": m.pk,
                    "title": m.title,
                    "due_on": m.due_on.isoformat(),
                    "done": m.done_at is not None,
                }
                for m in p.milestones.all()
            ],
            participants=[x.user.username for x in p.participants.select_related("user")],
            evidence=[
                {"kind": e.kind, "note": e.note, "signed_by": e.signed_by_masked}
                for e in p.evidence.all()
            ],
        )


class ProjectPageOut(PageOut):
    items: list[ProjectOut]


class WishIn(Schema):
    type: Annotated[SafeStr, Field(max_length=16)]
    text: Text300
    household_id: BodyId | None = Field(None, description="工作人员代登记时填写；居民本人不填")
    resident_id: BodyId | None = None


class ReviewIn(Schema):
    approve: bool
    public_text: Text300 = ""
    note: Text200 = ""


class FulfilIn(Schema):
    proof_note: Text200


class ConfirmIn(Schema):
    thanks: Text200 = ""


class WithdrawIn(Schema):
    reason: Text200 = ""


class WishPublicOut(Schema):
    """What members, units and volunteers see: no household, no resident."""

    id: int
    type: str
    type_label: str
    community: str
    public_text: str
    status: str
    status_label: str
    published_at: dt.datetime | None
    expires_at: dt.datetime | None

    @staticmethod
    def build(w: Wish) -> WishPublicOut:
        return WishPublicOut(
            id=w.pk,
            type=w.type,
            type_label=w.get_type_display(),
            community=w.community.name,
            public_text=w.public_text,
            status=w.status,
            status_label=w.get_status_display(),
            published_at=w.published_at,
            expires_at=w.expires_at,
        )


class WishOut(WishPublicOut):
    """What the resident and the community's staff see."""

    text: str
    household: str
    review_note: str
    claimed: bool
    proof_note: str
    thanks: str
    points_awarded: int
    demand_id: int | None

    @staticmethod
    def build(w: Wish) -> WishOut:  # type: ignore[override]
        return WishOut(
            **WishPublicOut.build(w).model_dump(),
            text=w.text,
            household=w.household.name,
            review_note=w.review_note,
            claimed=w.claimer_id is not None,
            proof_note=w.proof_note,
            thanks=w.thanks,
            points_awarded=w.points_awarded,
            demand_id=w.demand_id,
        )


class WishPageOut(PageOut):
    items: list[WishOut]


class WishPublicPageOut(PageOut):
    items: list[WishPublicOut]


class PartnerIn(Schema):
    community_id: BodyId
    name: Text100
    kind: Annotated[SafeStr, Field(max_length=24)]
    offers: Text300 = ""
    contact_name: Annotated[SafeStr, Field(max_length=50)] = ""
    contact_phone: Phone = ""
    accepts_points: bool = False


class ContributionIn(Schema):
    description: Text200
    on: dt.date
    hours: Decimal = Field(Decimal(0), ge=0, lt=100_000, max_digits=7, decimal_places=1)


class RatingIn(Schema):
    stars: int = Field(ge=1, le=5)
    comment: Text200 = ""


class PartnerOut(Schema):
    id: int
    community_id: int
    name: str
    kind: str
    kind_label: str
    offers: str
    contact_name: str
    contact_phone: str = Field(description="脱敏")
    merchant_id: int | None
    active: bool
    contributions: int
    rating: float | None

    @staticmethod
    def build(p: Partner) -> PartnerOut:
        stars = [r.stars for r in p.ratings.all()]
        return PartnerOut(
            id=p.pk,
            community_id=p.community_id,
            name=p.name,
            kind=p.kind,
            kind_label=p.get_kind_display(),
            offers=p.offers,
            contact_name=p.contact_name,
            contact_phone=p.contact_phone_masked,
            merchant_id=p.merchant_id,
            active=p.active,
            contributions=p.contributions.count(),
            rating=round(sum(stars) / len(stars), 1) if stars else None,
        )


class PartnerPageOut(PageOut):
    items: list[PartnerOut]
