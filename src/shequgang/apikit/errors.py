"""Every API error is ``{"code": "...", "message": "..."}``: a stable English code for
programs and a Chinese message for people. Bad input is always a 4xx; an unexpected
failure is logged and answered with the same shape and a 500."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError

from shequgang.errors import DomainError

logger = logging.getLogger(__name__)

# ninja raises HttpError for requests it cannot read at all.
_HTTP_ERRORS: dict[int, tuple[str, str]] = {
    400: ("malformed_request", "请求体不是有效的 JSON 对象"),
    403: ("forbidden", "无权执行此操作"),
    405: ("method_not_allowed", "不支持该请求方法"),
    429: ("throttled", "请求过于频繁，请稍后再试"),
}


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

    @api.exception_handler(DjangoValidationError)
    def on_model_validation_error(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        # Model validation behind a service (full_clean); schemas catch most of it first.
        return api.create_response(
            request, error_body("invalid_input", "；".join(exc.messages)), status=400
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

    @api.exception_handler(RequestDataTooBig)
    def on_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        return api.create_response(
            request, error_body("request_too_large", "请求数据过大"), status=413
        )

    # Django refuses a request it will not read (too many fields or files, a broken
    # multipart body) with these; for a client they are malformed requests, not our 500.
    @api.exception_handler(SuspiciousOperation)
    def on_suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
        return api.create_response(
            request, error_body("malformed_request", "请求无法解析"), status=400
        )

    @api.exception_handler(MultiPartParserError)
    def on_bad_multipart(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
        return api.create_response(
            request, error_body("malformed_request", "表单数据无法解析"), status=400
        )

    @api.exception_handler(HttpError)
    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if isinstance(exc.__cause__, DomainError):  # raised by our parser, wrapped by ninja
            return on_domain_error(request, exc.__cause__)
        code, message = _HTTP_ERRORS.get(exc.status_code, (f"http_{exc.status_code}", str(exc)))
        return api.create_response(request, error_body(code, message), status=exc.status_code)

    @api.exception_handler(Exception)
    def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.exception("API error on %s %s", request.method, request.path, exc_info=exc)
        return api.create_response(
            request, error_body("internal_error", "服务器内部错误，请稍后重试"), status=500
        )
