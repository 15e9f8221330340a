from django.urls import path

from shequgang.party import activity_views as views

app_name = "party_activities"

urlpatterns = [
    path("party/activities/", views.activity_index, name="index"),
    path("party/activities/new/", views.activity_new, name="new"),
    path("party/activities/<int:pk>/", views.activity_detail, name="detail"),
    path("party/activities/<int:pk>/<slug:action>/", views.activity_act, name="act"),
    path("party/my-record/", views.my_record, name="my_record"),
]
