"""Every API error is ``{"code": "...", "message": "..."}`` with a 4xx status: a stable
English code for programs and a Chinese message for people."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError

from shequgang.errors import DomainError


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"code": code, "message": message, **extra}


def _field_path(loc: Any) -> str:
    parts = [str(p) for p in (loc or []) if p not in {"body", "query", "path", "payload"}]
    return ".".join(parts)


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(DomainError)
    def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        return api.create_response(
            request, error_body(exc.code, exc.message, **exc.details), status=exc.status
        )

    @api.exception_handler(ValidationError)
    def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        fields = [
            {"field": _field_path(e.get("loc")), "message": str(e.get("msg", ""))}
            for e in exc.errors
        ]
        first = fields[0]["field"] if fields else ""
        return api.create_response(
            request,
            error_body(
                "invalid_input",
                f"请求数据不正确：{first}" if first else "请求数据不正确",
                errors=fields,
            ),
            status=422,
        )

    @api.exception_handler(AuthenticationError)
    def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return api.create_response(
            request, error_body("unauthenticated", "请先登录或提供有效的访问令牌"), status=401
        )

    @api.exception_handler(AuthorizationError)
    def on_forbidden(request: HttpRequest, exc: AuthorizationError) -> HttpResponse:
        return api.create_response(request, error_body("forbidden", "无权执行此操作"), status=403)

    @api.exception_handler(Http404)
    def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return api.create_response(
            request, error_body("not_found", "对象不存在或无权访问"), status=404
        )

    @api.exception_handler(HttpError)
    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return api.create_response(
            request, error_body(f"http_{exc.status_code}", str(exc)), status=exc.status_code
        )
