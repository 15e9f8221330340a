from django.urls import path

from shequgang.veterans import views

app_name = "veterans"

urlpatterns = [
    # Public, for residents on a phone.
    path("veterans/", views.program_home, name="home"),
    path("veterans/<int:year>/apply/", views.apply, name="apply"),
    path("veterans/<int:year>/check/", views.check, name="check"),
    path("veterans/status/", views.status, name="status"),
    # Staff.
    path("veterans/staff/", views.staff_home, name="staff_home"),
    path("veterans/staff/<int:year>/", views.staff_list, name="staff_list"),
    path("veterans/staff/<int:year>/new/", views.staff_new, name="staff_new"),
    path("veterans/staff/<int:year>/roster.xlsx", views.staff_roster, name="staff_roster"),
    path(
        "veterans/staff/applications/<str:reference>/",
        views.staff_detail,
        name="staff_detail",
    ),
    path(
        "veterans/staff/applications/<str:reference>/correct/",
        views.staff_correct,
        name="staff_correct",
    ),
    path(
        "veterans/staff/applications/<str:reference>/withdraw/",
        views.staff_withdraw,
        name="staff_withdraw",
    ),
]
