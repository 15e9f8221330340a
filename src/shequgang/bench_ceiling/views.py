"""The framework's ceiling, served by the same server and settings as the app: a bare
view returning JSON and a bare view doing one ORM INSERT. No auth, no ninja, no
templates; the middleware stack is the project's."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from shequgang.bench_ceiling.models import Ping


def bare_json(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True, "at": timezone.now().isoformat()})


@csrf_exempt
def bare_insert(request: HttpRequest) -> JsonResponse:
    ping = Ping.objects.create(at=timezone.now(), note=request.POST.get("note", "ping")[:100])
    return JsonResponse({"id": ping.pk}, status=201)
