from django.urls import path

from shequgang.portal.views import front, home, items, my_data, raising, wishes

app_name = "portal"

urlpatterns = [
    path("", front.front, name="front"),
    path("me/", home.home, name="home"),
    path("me/services/", home.services, name="services"),
    path("me/activities/", home.activities, name="activities"),
    path("me/account/", home.me, name="me"),
    path("me/account/data/", my_data.my_data, name="my_data"),
    path("me/raise/", raising.raise_problem, name="raise"),
    path("me/raise/chips/", raising.category_chips, name="chips"),
    path("me/items/", items.items, name="items"),
    path("me/items/<int:case_id>/", items.item, name="item"),
    path("me/items/<int:case_id>/rate/", items.rate, name="rate"),
    path("me/wishes/", wishes.wishes, name="wishes"),
    path("me/wishes/<int:wish_id>/confirm/", wishes.confirm, name="wish_confirm"),
]
