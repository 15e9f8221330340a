from django.urls import path

from shequgang.people import register_views, views

app_name = "people"

urlpatterns = [
    path("places/search/", views.place_search, name="place_search"),
    path("residents/", views.resident_list, name="resident_list"),
    path("residents/new/", views.resident_create, name="resident_create"),
    path("residents/<int:resident_id>/", views.resident_detail, name="resident_detail"),
    path("residents/<int:resident_id>/edit/", views.resident_edit, name="resident_edit"),
    path(
        "residents/<int:resident_id>/reveal/<str:field>/",
        views.resident_reveal,
        name="resident_reveal",
    ),
]

# The register sheet (台账): import, export and the template.
urlpatterns += [
    path("register/", register_views.register_page, name="register_page"),
    path("register/validate/", register_views.register_validate, name="register_validate"),
    path("register/check/<str:key>/", register_views.register_check, name="register_check"),
    path(
        "register/confirm/", register_views.register_import_confirm, name="register_import_confirm"
    ),
    path(
        "register/template.xlsx",
        register_views.register_template_download,
        name="register_template",
    ),
    path("register/export.xlsx", register_views.register_export_download, name="register_export"),
]
