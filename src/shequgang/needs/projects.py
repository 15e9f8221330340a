"""Writes on the 项目清单: accepting a suggested match (creates or extends a project),
milestones, participants, evidence, and the project's workflow (``PROJECT_TRANSITIONS``).

Completing a project needs evidence (a photo or a resident's sign-off); it marks every
demand it took on met (``met_at``) and gives each participant the project's points
through ``points_earn`` (once per project and person). Cancelling returns its demands to
the open list. Every step writes an audit entry; demand status changes also write the
demand's own event row."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from shequgang.actors import Actor
from shequgang.audit.services import audit_record
from shequgang.errors import Conflict, DomainError, Forbidden
from shequgang.needs.models import Demand, DemandEvent, DemandStatus
from shequgang.needs.project_models import (
    OPEN_PROJECT_STATUSES,
    PROJECT_TRANSITIONS,
    Evidence,
    EvidenceKind,
    Milestone,
    Participant,
    Project,
    ProjectDemand,
    ProjectStatus,
)
from shequgang.needs.resources import resource_use
from shequgang.needs.supply_access import may_manage
from shequgang.needs.supply_models import Resource
from shequgang.people.masking import mask_name
from shequgang.places.models import Kind, Place
from shequgang.points.models import Source
from shequgang.points.services import points_earn
from shequgang.text_rules import text_clean

MAX_PROJECT_POINTS = 200


def _now(now: dt.datetime | None) -> dt.datetime:
    value = now or timezone.now()
    if value.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return value


def _must_manage(actor: Actor, community: Place) -> User:
    if not isinstance(actor, User) or not may_manage(actor, community):
        raise Forbidden("您不能管理本社区的项目")
    return actor


def demand_community(demand: Demand) -> Place:
    community = Place.objects.ancestor_of_kind(demand.place, Kind.COMMUNITY)
    if community is None:
        raise DomainError("demand_without_community", "该需求不在任何社区内")
    return community


def demand_move(
    *, demand: Demand, to: str, actor: Actor, reason: str = "", at: dt.datetime
) -> None:
    """Change a locked demand's status and append its event (met sets ``met_at``)."""
    before = demand.status
    demand.status = to
    demand.met_at = at if to == DemandStatus.MET else None
    demand.status_reason = reason[:200]
    demand.save(update_fields=["status", "met_at", "status_reason", "updated_at"])
    DemandEvent.objects.create(
        demand=demand,
        kind="status",
        from_status=before,
        to_status=to,
        reason=reason[:200],
        actor=actor if isinstance(actor, User) else None,
    )


def project_create(
    *,
    actor: Actor,
    community: Place,
    title: str,
    owner: User | None = None,
    description: str = "",
    budget: Decimal | int | str = 0,
    participant_points: int = 0,
    now: dt.datetime | None = None,
) -> Project:
    """Open a project in ``community`` (the actor must keep it); the actor owns it unless
    ``owner`` is given."""
    at = _now(now)
    user = _must_manage(actor, community)
    title = text_clean(title, field="title", label="项目名称", limit=100, required=True)
    description = text_clean(description, field="description", label="项目内容", limit=2000)
    try:
        amount = Decimal(str(budget))
    except ArithmeticError:
        raise DomainError("invalid_budget", "预算应为数字") from None
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e10"):
        raise DomainError("invalid_budget", "预算应为不小于0的金额")
    if isinstance(participant_points, bool) or not 0 <= participant_points <= MAX_PROJECT_POINTS:
        raise DomainError("invalid_points", f"参与积分应在0至{MAX_PROJECT_POINTS}之间")
    with transaction.atomic():
        project = Project.objects.create(
            community=community,
            title=title,
            description=description,
            owner=owner or user,
            budget=amount.quantize(Decimal("0.01")),
            participant_points=participant_points,
            created_by=user,
            created_at=at,
        )
        audit_record(actor=actor, action="needs.project_create", obj=project)
    return project


def match_accept(
    *,
    actor: Actor,
    demand: Demand,
    resource: Resource | None,
    project: Project | None = None,
    title: str = "",
    now: dt.datetime | None = None,
) -> Project:
    """Accept a suggested match: take one place of the resource (refused with 409 when it
    is expired or used up), and put the demand into ``project`` — or into a new project
    of the demand's community named ``title``. The demand must be open or matched and in
    no project yet; it moves to 项目实施中. Locks the demand row; the resource's place is
    taken by a conditional UPDATE, so two accepts never take its last place twice."""
    at = _now(now)
    community = demand_community(demand)
    _must_manage(actor, community)
    if project is not None and project.community_id != community.pk:
        raise DomainError("project_other_community", "需求与项目不在同一社区", status=409)
    with transaction.atomic():
        row = Demand.objects.select_for_update().get(pk=demand.pk)
        if row.status not in (DemandStatus.OPEN, DemandStatus.MATCHED):
            raise Conflict("demand_not_open", "该需求已不在待对接状态")
        if ProjectDemand.objects.filter(demand=row).exists():
            raise Conflict("demand_in_project", "该需求已纳入项目")
        if project is None:
            name = (
                title or f"{row.get_type_display()}：{resource.title if resource else '需求对接'}"
            )
            project = project_create(actor=actor, community=community, title=name[:100], now=at)
        else:
            project = Project.objects.select_for_update().get(pk=project.pk)
            if project.status not in OPEN_PROJECT_STATUSES:
                raise Conflict("project_closed", "该项目已结束，不能再加入需求")
        if resource is not None:
            if resource.type != row.type:
                raise DomainError("type_mismatch", "资源类型与需求类型不一致", status=409)
            resource_use(resource=resource, today=timezone.localdate(at))
        try:
            with transaction.atomic():
                ProjectDemand.objects.create(
                    project=project,
                    demand=row,
                    resource=resource,
                    added_by=actor if isinstance(actor, User) else None,
                    added_at=at,
                )
        except IntegrityError:
            raise Conflict("demand_in_project", "该需求已纳入项目") from None
        demand_move(
            demand=row,
            to=DemandStatus.IN_PROJECT,
            actor=actor,
            reason=f"纳入项目「{project.title}」",
            at=at,
        )
        audit_record(
            actor=actor,
            action="needs.match_accept",
            obj=project,
            changes={
                "demand": [None, row.pk],
                "resource": [None, resource.pk if resource else None],
            },
        )
    demand.refresh_from_db()
    return project


def _locked_open(project: Project) -> Project:
    row = Project.objects.select_for_update().get(pk=project.pk)
    if row.status not in OPEN_PROJECT_STATUSES:
        raise Conflict("project_closed", "该项目已结束")
    return row


def milestone_add(*, actor: Actor, project: Project, title: str, due_on: dt.date) -> Milestone:
    _must_manage(actor, project.community)
    title = text_clean(title, field="title", label="节点名称", limit=100, required=True)
    with transaction.atomic():
        _locked_open(project)
        milestone = Milestone.objects.create(project=project, title=title, due_on=due_on)
        audit_record(actor=actor, action="needs.milestone_add", obj=project)
    return milestone


def milestone_done(
    *, actor: Actor, milestone: Milestone, now: dt.datetime | None = None
) -> Milestone:
    at = _now(now)
    _must_manage(actor, milestone.project.community)
    with transaction.atomic():
        _locked_open(milestone.project)
        done = Milestone.objects.filter(pk=milestone.pk, done_at__isnull=True).update(done_at=at)
        if not done:
            raise Conflict("milestone_done", "该节点已完成")
        audit_record(actor=actor, action="needs.milestone_done", obj=milestone.project)
    milestone.refresh_from_db()
    return milestone


def participant_add(*, actor: Actor, project: Project, user: User, role: str = "") -> Participant:
    _must_manage(actor, project.community)
    role = text_clean(role, field="role", label="分工", limit=50)
    with transaction.atomic():
        _locked_open(project)
        participant, created = Participant.objects.get_or_create(
            project=project, user=user, defaults={"role": role}
        )
        if not created:
            raise Conflict("already_participant", "此人已是项目参与人")
        audit_record(
            actor=actor,
            action="needs.participant_add",
            obj=project,
            changes={"participant": [None, user.pk]},
        )
    return participant


def evidence_add(
    *,
    actor: Actor,
    project: Project,
    kind: str,
    note: str = "",
    photo: object | None = None,
    signed_by: str = "",
    now: dt.datetime | None = None,
) -> Evidence:
    """A photo (``photo`` a cleaned upload) or a resident's sign-off (``signed_by`` is the
    resident's name: only its masked form is kept)."""
    at = _now(now)
    _must_manage(actor, project.community)
    note = text_clean(note, field="note", label="说明", limit=200)
    if kind == EvidenceKind.PHOTO and photo is None:
        raise DomainError("photo_required", "请上传现场照片")
    if kind == EvidenceKind.SIGNOFF:
        signed_by = text_clean(
            signed_by, field="signed_by", label="签字居民", limit=50, required=True
        )
    elif kind != EvidenceKind.PHOTO:
        raise DomainError("invalid_kind", "凭证类别不正确")
    with transaction.atomic():
        _locked_open(project)
        evidence = Evidence(
            project=project,
            kind=kind,
            note=note,
            signed_by_masked=mask_name(signed_by) if signed_by else "",
            added_by=actor if isinstance(actor, User) else None,
            added_at=at,
        )
        if photo is not None:
            evidence.photo = photo  # type: ignore[assignment]
        evidence.save()
        audit_record(actor=actor, action="needs.evidence_add", obj=project)
    return evidence


def project_transition(
    *,
    actor: Actor,
    project: Project,
    to: str,
    reason: str = "",
    beneficiaries: int | None = None,
    now: dt.datetime | None = None,
) -> Project:
    """Move a project along ``PROJECT_TRANSITIONS``. Locks the project row.

    - completed: needs at least one piece of evidence; its demands become met (met_at =
      now) and each participant earns ``participant_points`` (idempotent per project and
      person, so a retried completion never pays twice);
    - cancelled: needs a reason; its demands go back to the open list.
    Raises Conflict ``invalid_transition`` for a move the table does not allow."""
    at = _now(now)
    _must_manage(actor, project.community)
    reason = text_clean(
        reason,
        field="reason",
        label="说明",
        limit=200,
        required=to == ProjectStatus.CANCELLED,
    )
    with transaction.atomic():
        row = Project.objects.select_for_update().get(pk=project.pk)
        if to not in PROJECT_TRANSITIONS.get(row.status, set()):
            raise Conflict("invalid_transition", "项目当前状态不能进行此操作")
        fields = ["status", "status_reason"]
        if to == ProjectStatus.COMPLETED:
            if not row.evidence.exists():
                raise DomainError("evidence_required", "完成项目须有现场照片或居民签字确认")
            row.completed_at = at
            fields.append("completed_at")
            if beneficiaries is not None:
                if isinstance(beneficiaries, bool) or beneficiaries < 0:
                    raise DomainError("invalid_beneficiaries", "受益人数应为不小于0的整数")
                row.beneficiaries = beneficiaries
                fields.append("beneficiaries")
        before = row.status
        row.status, row.status_reason = to, reason
        row.save(update_fields=fields)
        demands = Demand.objects.select_for_update().filter(project_link__project=row)
        for demand in demands.order_by("pk"):
            if to == ProjectStatus.COMPLETED:
                demand_move(
                    demand=demand, to=DemandStatus.MET, actor=actor, reason=row.title, at=at
                )
            elif to == ProjectStatus.CANCELLED:
                demand_move(demand=demand, to=DemandStatus.OPEN, actor=actor, reason=reason, at=at)
        if to == ProjectStatus.CANCELLED:
            links = ProjectDemand.objects.filter(project=row)
            for resource_id in links.exclude(resource=None).values_list("resource_id", flat=True):
                # The place the match took is given back to the offer.
                Resource.objects.filter(pk=resource_id, remaining__lt=F("capacity")).update(
                    remaining=F("remaining") + 1
                )
            links.delete()
        if to == ProjectStatus.COMPLETED and row.participant_points:
            for participant in row.participants.select_related("user").order_by("pk"):
                points_earn(
                    actor=actor,
                    user=participant.user,
                    community=row.community,
                    amount=row.participant_points,
                    source=Source.ACTIVITY,
                    source_ref=f"needs_project:{row.pk}",
                    reason=f"参与项目「{row.title}」",
                    idempotency_key=f"needs_project:{row.pk}:user:{participant.user_id}",
                    now=at,
                )
        audit_record(
            actor=actor, action="needs.project_" + to, obj=row, changes={"status": [before, to]}
        )
    return row
