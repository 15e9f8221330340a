from django.urls import path

from shequgang.people import views

app_name = "people"

urlpatterns = [
    path("residents/", views.resident_list, name="resident_list"),
    path("residents/new/", views.resident_create, name="resident_create"),
    path("residents/<int:resident_id>/", views.resident_detail, name="resident_detail"),
    path("residents/<int:resident_id>/edit/", views.resident_edit, name="resident_edit"),
    path(
        "residents/<int:resident_id>/reveal/<str:field>/",
        views.resident_reveal,
        name="resident_reveal",
    ),
]
