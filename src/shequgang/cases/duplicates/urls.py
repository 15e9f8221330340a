from django.urls import path

from shequgang.cases.duplicates import views

app_name = "duplicates"

urlpatterns = [
    path("cases/similar/", views.similar, name="similar"),
    path("cases/<int:case_id>/me-too/", views.me_too, name="me_too"),
    path("cases/following/", views.following, name="following"),
    path("cases/following/<int:case_id>/", views.followed, name="followed"),
]
