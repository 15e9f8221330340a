"""Read-mostly admin for the party organisation. Personal data shows masked only; the
services are the write path for anything with rules (reports, de-duplication, coverage)."""

from __future__ import annotations

from django.contrib import admin

from shequgang.party.models import (
    Branch,
    BranchCompound,
    CentralHousehold,
    CentralHouseholdLink,
    Committee,
    CommitteeSeat,
    Member,
    MemberReport,
    PairedUnit,
    PartyGroup,
    Responsibility,
    UnitPairing,
)


@admin.register(Committee)
class CommitteeAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "kind", "community", "secretary"]
    raw_id_fields = ["community", "secretary"]


class BranchCompoundInline(admin.TabularInline):  # type: ignore[type-arg]
    model = BranchCompound
    extra = 0
    raw_id_fields = ["compound"]


@admin.register(Branch)
class BranchAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "committee", "mode", "secretary", "secretary_chairs_owners_committee"]
    list_filter = ["mode", "secretary_chairs_owners_committee"]
    raw_id_fields = ["committee", "secretary"]
    inlines = [BranchCompoundInline]


@admin.register(PartyGroup)
class PartyGroupAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "branch", "building", "leader"]
    raw_id_fields = ["branch", "building", "leader"]


class CentralHouseholdLinkInline(admin.TabularInline):  # type: ignore[type-arg]
    model = CentralHouseholdLink
    extra = 0
    raw_id_fields = ["household"]


@admin.register(CentralHousehold)
class CentralHouseholdAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["member", "household", "group"]
    raw_id_fields = ["member", "household", "group"]
    inlines = [CentralHouseholdLinkInline]


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "status", "id_number_masked", "phone_masked", "community", "branch"]
    list_filter = ["status", "active"]
    search_fields = ["name"]
    readonly_fields = ["id_number_masked", "phone_masked"]
    raw_id_fields = ["resident", "user", "branch", "group", "community", "work_unit"]


@admin.register(PairedUnit)
class UnitAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "kind", "place", "contact_name", "contact_phone_masked", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["name"]
    readonly_fields = ["contact_phone_masked"]
    raw_id_fields = ["place"]
    filter_horizontal = ["accounts"]


@admin.register(UnitPairing)
class UnitPairingAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["unit", "community", "started_on", "ended_on", "contact_name"]
    readonly_fields = ["contact_phone_masked"]
    raw_id_fields = ["unit", "community", "created_by"]


@admin.register(MemberReport)
class MemberReportAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """History of 双报到; changed only through the services (one active per member)."""

    list_display = ["member", "community", "reported_at", "ended_at", "end_reason"]
    raw_id_fields = ["member", "community", "residence", "created_by"]

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(Responsibility)
class ResponsibilityAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["__str__", "started_on", "ended_on"]
    raw_id_fields = ["unit", "member", "place", "created_by"]


@admin.register(CommitteeSeat)
class CommitteeSeatAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "place", "body", "role", "party_post", "ended_on"]
    list_filter = ["body", "party_post"]
    raw_id_fields = ["place", "member"]
