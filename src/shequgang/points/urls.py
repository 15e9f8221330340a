from django.urls import path

from shequgang.points import views

app_name = "points"

urlpatterns = [
    # Residents, on a phone.
    path("points/", views.mine, name="mine"),
    path("points/shop/<int:community_id>/", views.shop, name="shop"),
    path("points/shop/<int:community_id>/redeem/", views.redeem, name="redeem"),
    path("points/orders/<int:order_id>/cancel/", views.order_cancel_view, name="order_cancel"),
    path("points/merchant/", views.merchant_desk, name="merchant_desk"),
    # Staff.
    path("points/staff/", views.staff_home, name="staff_home"),
    path("points/staff/<int:community_id>/ledger/", views.ledger, name="ledger"),
    path("points/staff/<int:community_id>/ledger.xlsx", views.ledger_xlsx, name="ledger_xlsx"),
    path("points/staff/<int:community_id>/award/", views.award, name="award"),
    path("points/staff/<int:community_id>/adjust/", views.adjust, name="adjust"),
    path(
        "points/staff/adjustments/<int:adjustment_id>/<str:decision>/",
        views.adjustment_decision,
        name="adjustment_decision",
    ),
    path("points/staff/<int:community_id>/orders/", views.desk, name="desk"),
    path("points/staff/orders/<int:order_id>/confirm/", views.desk_confirm, name="desk_confirm"),
    path("points/staff/<int:community_id>/goods/", views.goods_list, name="goods"),
    path("points/staff/goods/<int:goods_id>/", views.goods_edit, name="goods_edit"),
]
