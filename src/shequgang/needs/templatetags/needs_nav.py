"""``{% needs_nav %}``: 敲门行动 and 需求清单 for staff who see the register, 我的走访 for
anyone with an open visit list. One line in ``web/base.html``'s nav block."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import format_html

from shequgang.needs.access import VIEW
from shequgang.needs.models import CampaignStatus, VisitList
from shequgang.people.scope import has_perm_anywhere

register = template.Library()


@register.simple_tag(takes_context=True)
def needs_nav(context: dict[str, Any]) -> str:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ""
    if has_perm_anywhere(user, VIEW):
        return format_html(
            '<a href="{}">敲门行动</a><a href="{}">需求清单</a>',
            reverse("needs:home"),
            reverse("needs:demands"),
        )
    if VisitList.objects.filter(visitor=user, campaign__status=CampaignStatus.OPEN).exists():
        return format_html('<a href="{}">我的走访</a>', reverse("needs:home"))
    return ""
