from django.urls import path

from shequgang.dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("dashboard/", views.home, name="home"),
    path("dashboard/<int:scope>/", views.centre, name="centre"),
    path("dashboard/<int:scope>/map/", views.map_partial, name="map"),
]
