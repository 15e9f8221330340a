"""社区合伙人: registering (with a points counter), owning merchants, the data migration
that made every merchant a partner's, contributions and ratings by those served."""

from __future__ import annotations

import datetime as dt
from importlib import import_module

import pytest
from django.apps import apps as global_apps
from django.contrib.auth.models import User

from shequgang.errors import DomainError, Forbidden
from shequgang.needs.models import DemandType
from shequgang.needs.partners import (
    contribution_record,
    partner_own_merchant,
    partner_rate,
    partner_register,
)
from shequgang.needs.supply_models import Partner, PartnerKind
from shequgang.needs.tests.supply_factories import NOON
from shequgang.needs.tests.test_wishes import member_of, resident_of
from shequgang.needs.wishes import wish_claim, wish_confirm, wish_fulfil, wish_post, wish_review
from shequgang.points.catalogue import merchant_create
from shequgang.points.models import Merchant
from shequgang.testing import World

pytestmark = pytest.mark.django_db


def test_a_partner_that_accepts_points_owns_its_merchant(world: World) -> None:
    rider = User.objects.create_user("rider", password="x")
    partner = partner_register(
        actor=world.users["secretary_a"],
        community=world.community_a,
        name="城东快递驿站",
        kind=PartnerKind.RIDER,
        offers="代取快递、送药上门",
        contact_phone="13900000009",
        accounts=[rider],
        accepts_points=True,
        merchant_offer="积分抵扣运费",
    )
    assert partner.merchant is not None and partner.merchant.name == "城东快递驿站"
    assert list(partner.merchant.operators.all()) == [rider]
    assert (
        partner.contact_phone_masked == "139****0009"
        and "1390000" not in partner.contact_phone_cipher
    )
    with pytest.raises(DomainError) as err:
        partner_register(
            actor=world.users["secretary_a"],
            community=world.community_a,
            name="城东快递驿站",
            kind="rider",
        )
    assert err.value.code == "duplicate_partner"
    with pytest.raises(Forbidden):
        partner_register(
            actor=world.users["secretary_b"], community=world.community_a, name="x", kind="rider"
        )


def test_owning_an_existing_merchant_once(world: World) -> None:
    secretary = world.users["secretary_a"]
    merchant = merchant_create(actor=secretary, community=world.community_a, name="红色超市")
    partner = partner_register(
        actor=secretary, community=world.community_a, name="红色超市集团", kind="enterprise"
    )
    partner_own_merchant(actor=secretary, partner=partner, merchant=merchant)
    other = partner_register(
        actor=secretary, community=world.community_a, name="另一家", kind="enterprise"
    )
    with pytest.raises(DomainError) as err:
        partner_own_merchant(actor=secretary, partner=other, merchant=merchant)
    assert err.value.code == "merchant_owned"


def test_the_data_migration_makes_a_partner_per_merchant(world: World) -> None:
    secretary = world.users["secretary_a"]
    operator = User.objects.create_user("op", password="x")
    merchant = merchant_create(
        actor=secretary,
        community=world.community_a,
        name="老王理发",
        offer="9折",
        operators=[operator],
    )
    owned = merchant_create(actor=secretary, community=world.community_a, name="已有主")
    partner_register(
        actor=secretary, community=world.community_a, name="老王理发", kind="individual"
    )
    Partner.objects.create(
        community=world.community_a, name="已有主人", kind="enterprise", merchant=owned
    )
    migration = import_module("shequgang.needs.migrations.0003_partners_from_merchants")
    migration.partners_for_merchants(global_apps, None)
    made = Partner.objects.get(merchant=merchant)
    # the name was taken by a partner registered before: the merchant's partner says which
    assert made.name == f"老王理发（商家{merchant.pk}）" and made.offers == "9折"
    assert list(made.accounts.all()) == [operator]
    assert Partner.objects.filter(merchant=owned).count() == 1
    assert Merchant.objects.filter(partner__isnull=True).count() == 0


def test_only_those_served_rate(world: World) -> None:
    secretary = world.users["secretary_a"]
    courier = member_of(world.community_a)
    partner = partner_register(
        actor=secretary,
        community=world.community_a,
        name="快递驿站",
        kind="rider",
        accounts=[courier],
    )
    resident = resident_of(world, world.household_a1)
    with pytest.raises(Forbidden):
        partner_rate(actor=resident, partner=partner, stars=5)
    wish = wish_post(actor=resident, type=DemandType.HARDSHIP, text="想要一台收音机", now=NOON)
    wish = wish_review(
        actor=secretary, wish=wish, approve=True, public_text="老人想要收音机", now=NOON
    )
    wish = wish_claim(actor=courier, wish=wish, now=NOON)
    wish = wish_fulfil(actor=courier, wish=wish, proof_note="已送到", now=NOON)
    wish_confirm(actor=resident, wish=wish, thanks="谢谢", now=NOON)
    # the fulfilment is on the partner's record
    assert partner.contributions.get().wish == wish
    for bad in (0, 6, True):
        with pytest.raises(DomainError) as err:
            partner_rate(actor=resident, partner=partner, stars=bad)  # type: ignore[arg-type]
        assert err.value.code == "invalid_stars"
    partner_rate(actor=resident, partner=partner, stars=4, comment="很及时")
    partner_rate(actor=resident, partner=partner, stars=5)
    assert [r.stars for r in partner.ratings.all()] == [5]


def test_contributions_are_kept_by_staff_of_the_community(world: World) -> None:
    partner = partner_register(
        actor=world.users["secretary_a"],
        community=world.community_a,
        name="爱心企业",
        kind="enterprise",
    )
    contribution_record(
        actor=world.users["worker_a"],
        partner=partner,
        description="捐赠助老餐",
        on=dt.date(2026, 12, 1),
        hours="3.5",
    )
    with pytest.raises(Forbidden):
        contribution_record(
            actor=world.users["secretary_b"],
            partner=partner,
            description="x",
            on=dt.date(2026, 12, 1),
        )
    with pytest.raises(DomainError) as err:
        contribution_record(
            actor=world.users["worker_a"],
            partner=partner,
            description="x",
            on=dt.date(2026, 12, 1),
            hours="NaN",
        )
    assert err.value.code == "invalid_hours"
