"""``{% party_nav %}``: the 党建 menu entry for staff with ``party.view``, party members
with an account and unit liaisons, and 活动 (双服务 activities) for everyone signed in. One line in ``web/base.html``'s nav block."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import format_html

from shequgang.party.access import VIEW
from shequgang.party.models import Member, PairedUnit
from shequgang.people.scope import has_perm_anywhere

register = template.Library()


@register.simple_tag(takes_context=True)
def party_nav(context: dict[str, Any]) -> str:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ""
    # Activities (双服务) are public notices: everyone signed in may sign up.
    activities = format_html('<a href="{}">活动</a>', reverse("party_activities:index"))
    if has_perm_anywhere(user, VIEW):
        return format_html('<a href="{}">党建</a>{}', reverse("party:home"), activities)
    if (
        Member.objects.filter(user=user).exists()
        or PairedUnit.objects.filter(accounts=user).exists()
    ):
        return format_html('<a href="{}">我的党建</a>{}', reverse("party:me"), activities)
    return activities
