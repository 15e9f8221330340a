"""The HTTP API under /api/v1/: one NinjaAPI assembling each app's router."""

from __future__ import annotations

from csp.decorators import csp_update
from ninja import NinjaAPI, Swagger

from shequgang.apikit.auth import API_AUTH
from shequgang.apikit.errors import install_error_handlers
from shequgang.apikit.parser import JsonObjectParser

api = NinjaAPI(
    title="社区港接口 Shequgang API",
    version="1",
    # Chinese first, English after: the docs page is read by intranet staff first.
    description=(
        "社区港社区治理平台接口。认证：请求头 `Authorization: Bearer <令牌>`，或浏览器登录会话。"
        '错误统一为 {"code": 稳定的英文代码, "message": 中文说明}；列表分页为'
        " {count, limit, offset, items}。\n\n"
        "Shequgang community-governance API. Authenticate with `Authorization: Bearer <token>`"
        ' or a browser session. Errors are {"code", "message"}; lists are paged as'
        " {count, limit, offset, items}."
    ),
    auth=API_AUTH,
    parser=JsonObjectParser(),
    # Swagger UI from ninja's bundled static files ("ninja" is an installed app); no
    # validator badge, which would call validator.swagger.io from an intranet browser.
    docs=Swagger(settings={"validatorUrl": None}),
    # Swagger UI's stylesheet draws its icons as data: images; the only relaxation of the
    # Content-Security-Policy (its scripts are ninja's static files, no inline script).
    docs_decorator=csp_update({"img-src": ["data:"]}),
    urls_namespace="api",
)
install_error_handlers(api)


def _mount() -> None:
    from shequgang.people.api import router as people_router
    from shequgang.places.api import router as places_router

    # The queued intake first: it is the door built for bursts, and Django tries the URL
    # patterns in order (this saves it walking the other hundred-odd, ~0.05 ms a request).
    api.add_router("/", "shequgang.cases.intake.api.router")  # POST /cases/intake (queued)
    # Each router spells out its full paths (/places, /grids, /households, /residents …).
    api.add_router("/", places_router)
    api.add_router("/", people_router)
    api.add_router("/", "shequgang.people.register_api.router")
    api.add_router("/veterans", "shequgang.veterans.api.router")
    api.add_router("/residency", "shequgang.residency.api.router")
    api.add_router("/party", "shequgang.party.api.router")
    api.add_router("/points", "shequgang.points.api.router")
    api.add_router("/deliberations", "shequgang.cases.deliberation.api.router")
    api.add_router("/deliberations", "shequgang.cases.deliberation.owners_api.router")
    api.add_router("/cases", "shequgang.cases.api.cases.router")
    api.add_router("/cases", "shequgang.cases.api.steps.router")  # the workflow's steps
    api.add_router("/", "shequgang.cases.api.desk.router")  # categories, measures, inbox
    api.add_router("/grid", "shequgang.grid.api.router")
    api.add_router("/integrations", "shequgang.grid.api.integrations_router")
    api.add_router("/party", "shequgang.party.activities_api.router")
    api.add_router("/", "shequgang.cases.dispatch.api.router")  # 派遣·核查
    api.add_router("/", "shequgang.cases.duplicates.api.router")  # similar, me too
    api.add_router("/", "shequgang.cases.suggest.api.router")  # suggest-category
    api.add_router("/needs", "shequgang.needs.api.router")
    api.add_router("/dashboard", "shequgang.dashboard.api.router")
    api.add_router("/needs", "shequgang.needs.supply_api.router")  # resources … partners
    api.add_router("/", "shequgang.privacy.api.router")  # residents/{id}/subject-export …
    api.add_router("/auth", "shequgang.apikit.reauth.router")  # confirm-password
    # Keep last: a JSON 404 for any path the routers above do not know.
    api.add_router("/", "shequgang.apikit.fallback.router")


_mount()
