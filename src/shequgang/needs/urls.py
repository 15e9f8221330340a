from django.urls import path

from shequgang.needs import views

app_name = "needs"

urlpatterns = [
    path("needs/", views.home, name="home"),
    path(
        "needs/communities/<int:community_id>/campaigns/new/",
        views.campaign_new,
        name="campaign_new",
    ),
    path("needs/campaigns/<int:campaign_id>/", views.campaign_page, name="campaign"),
    path("needs/campaigns/<int:campaign_id>/report/", views.campaign_report_page, name="report"),
    path("needs/campaigns/<int:campaign_id>/close/", views.campaign_close_view, name="close"),
    path("needs/campaigns/<int:campaign_id>/visits.xlsx", views.visits_xlsx, name="visits_xlsx"),
    path("needs/lists/<int:list_id>/", views.visit_list_page, name="visit_list"),
    path("needs/stops/<int:stop_id>/visit/", views.visit_add, name="visit_add"),
    path("needs/stops/<int:stop_id>/demand/", views.demand_add, name="demand_add"),
    path(
        "needs/stops/<int:stop_id>/moved-out/",
        views.moved_out_confirm_view,
        name="moved_out_confirm",
    ),
    path("needs/demands/", views.demand_list, name="demands"),
    path("needs/demands.xlsx", views.demands_xlsx, name="demands_xlsx"),
    path("needs/demands/<int:demand_id>/", views.demand_page, name="demand"),
    path("needs/demands/<int:demand_id>/status/", views.demand_status, name="demand_status"),
    path("needs/demands/<int:demand_id>/case/", views.demand_case, name="demand_case"),
]
