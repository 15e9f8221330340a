from django.urls import path

from shequgang.privacy import views

app_name = "privacy"

urlpatterns = [
    path(
        "residents/<int:resident_id>/subject-export/",
        views.subject_export,
        name="subject_export",
    ),
    path("residents/<int:resident_id>/anonymise/", views.anonymise, name="anonymise"),
]
