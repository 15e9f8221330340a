from django.urls import path

from shequgang.grid import views

app_name = "grid"

urlpatterns = [
    path("grid/", views.index, name="index"),
    path("grid/communities/<int:place_id>/", views.community, name="community"),
    path("grid/communities/<int:place_id>/new/", views.grid_new, name="grid_new"),
    path("grid/grids/<int:grid_id>/edit/", views.grid_edit, name="grid_edit"),
    path("grid/grids/<int:grid_id>/cut/", views.cut, name="cut"),
    path("grid/grids/<int:grid_id>/workers/", views.workers, name="workers"),
    path("grid/patrol/", views.patrol, name="patrol"),
    path("grid/patrol/start/", views.patrol_start, name="patrol_start"),
    path("grid/patrol/<int:patrol_id>/end/", views.patrol_end, name="patrol_end"),
    path("grid/patrol/<int:patrol_id>/report/", views.patrol_report, name="patrol_report"),
]
