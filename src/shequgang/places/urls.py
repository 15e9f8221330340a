from django.urls import path

from shequgang.places import views

app_name = "places"

urlpatterns = [
    path("places/<int:place_id>/", views.place_detail, name="place_detail"),
    path("places/<int:place_id>/edit/", views.place_edit, name="place_edit"),
    path("places/<int:place_id>/new/<str:kind>/", views.place_create_child, name="place_create"),
    path("grids/<int:grid_id>/", views.grid_detail, name="grid_detail"),
]
