from django.urls import path

from shequgang.party import views

app_name = "party"

urlpatterns = [
    path("party/", views.home, name="home"),
    path("party/coverage/<int:place_id>/", views.coverage_page, name="coverage"),
    path("party/communities/<int:place_id>/", views.org_page, name="org"),
    path("party/members/", views.member_list, name="members"),
    path("party/pairings/", views.pairing_list, name="pairings"),
    path("party/me/", views.me, name="me"),
]
