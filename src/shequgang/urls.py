from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from shequgang.accounts.views import admin_password_change
from shequgang.api import api
from shequgang.web import views as web_views

admin.site.site_header = "社区港 · 系统管理"
admin.site.site_title = "社区港"

urlpatterns = [
    path("healthz", web_views.healthz, name="healthz"),
    path("api/v1/", api.urls),
    # Before the admin's own: the old password is counted towards the login lockout.
    path("admin/password_change/", admin_password_change, name="admin_password_change"),
    path("admin/", admin.site.urls),
    path("open311/v2/", include("shequgang.open311.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    # Before web's: "/" is the public front for visitors and leads residents home.
    path("", include("shequgang.portal.urls")),
    path("", include("shequgang.web.urls")),
    path("", include("shequgang.places.urls")),
    path("", include("shequgang.people.urls")),
    path("", include("shequgang.veterans.urls")),
    path("", include("shequgang.party.urls")),
    path("", include("shequgang.points.urls")),
    path("", include("shequgang.cases.web.urls")),
    path("", include("shequgang.cases.deliberation.urls")),
    path("", include("shequgang.grid.urls")),
    path("", include("shequgang.party.activity_urls")),
    path("", include("shequgang.cases.duplicates.urls")),
    path("", include("shequgang.dashboard.urls")),
    path("", include("shequgang.privacy.urls")),
    path("", include("shequgang.residency.urls")),
    path("", include("shequgang.needs.urls")),
]

if settings.BENCH:  # bench/run.py only: the ceiling views
    urlpatterns.insert(0, path("bench/", include("shequgang.bench_ceiling.urls")))
