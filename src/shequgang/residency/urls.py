from django.urls import path

from shequgang.residency import public_views, staff_views

app_name = "residency"

urlpatterns = [
    # The resident's door (/register/ is the staff's register sheet, people.urls).
    path("signup/", public_views.signup, name="signup"),
    path("signup/places/", public_views.picker, name="picker"),
    path("signup/status/", public_views.status, name="status"),
    path("signup/reapply/", public_views.reapply, name="reapply"),
    path("password-reset/", public_views.password_reset, name="password_reset"),
    path("password-reset/sms/", public_views.password_reset_sms, name="password_reset_sms"),
    # Staff: 待认证居民.
    path("residency/accounts/", staff_views.queue, name="queue"),
    path("residency/accounts/export.xlsx", staff_views.export, name="export"),
    path("residency/accounts/<int:account_id>/", staff_views.detail, name="detail"),
    path("residency/accounts/<int:account_id>/confirm/", staff_views.confirm, name="confirm"),
    path("residency/accounts/<int:account_id>/refuse/", staff_views.refuse, name="refuse"),
    path(
        "residency/accounts/<int:account_id>/reset-code/",
        staff_views.reset_code,
        name="reset_code",
    ),
]
