from django.urls import path

from shequgang.cases.dispatch import views as dispatch_views
from shequgang.cases.web import inbox, lists, views

app_name = "cases"

urlpatterns = [
    # Residents, on a phone.
    path("cases/new/", views.case_new, name="case_new"),
    path("cases/mine/", lists.my_cases, name="my_cases"),
    # Handlers and supervisors.
    path("cases/queue/", lists.queue, name="queue"),
    path("cases/", lists.case_list, name="case_list"),
    # The dispatch loop: what waits to be dispatched, and the measures per department.
    path("cases/dispatch/", dispatch_views.dispatch_queue, name="dispatch_queue"),
    path(
        "cases/dispatch/measures/",
        dispatch_views.dispatch_measures_page,
        name="dispatch_measures",
    ),
    # One case: its page for everyone who may see it, and the actions on it.
    path("cases/<int:case_id>/", views.case_detail, name="case_detail"),
    path("cases/<int:case_id>/act/<str:action>/", views.case_act, name="case_act"),
    path("cases/<int:case_id>/photos/<int:photo_id>/", views.case_photo, name="case_photo"),
    # Notifications.
    path("inbox/", inbox.inbox, name="inbox"),
    path("inbox/read/", inbox.inbox_read_all, name="inbox_read_all"),
    path("inbox/<int:note_id>/read/", inbox.inbox_read, name="inbox_read"),
]
