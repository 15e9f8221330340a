from django.urls import path

from shequgang.bench_ceiling import views

app_name = "bench_ceiling"
urlpatterns = [
    path("json", views.bare_json, name="json"),
    path("insert", views.bare_insert, name="insert"),
]
