from django.urls import path

from shequgang.cases.deliberation import views

app_name = "deliberations"

urlpatterns = [
    path("deliberations/", views.deliberation_list, name="list"),
    path("deliberations/new/", views.deliberation_new, name="new"),
    path("deliberations/<int:pk>/", views.deliberation_detail, name="detail"),
    path("deliberations/<int:pk>/act/<str:action>/", views.deliberation_act, name="act"),
    path("deliberations/<int:pk>/owners-vote/", views.owners_vote_page, name="owners_vote"),
    path(
        "deliberations/<int:pk>/owners-vote/<str:action>/",
        views.owners_vote_act,
        name="owners_vote_act",
    ),
]
