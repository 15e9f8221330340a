from django.urls import path

from shequgang.places import views

app_name = "places"

urlpatterns = [
    path("places/<int:place_id>/", views.place_detail, name="place_detail"),
]
