from django.urls import path

from shequgang.people import views

app_name = "people"

urlpatterns = [
    path("residents/", views.resident_list, name="resident_list"),
]
