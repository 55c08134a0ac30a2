from django.urls import path

from payments import views

app_name = "payments"

urlpatterns = [
    path("", views.payments_view, name="list"),
    # `pay` has two forms: `/payments/pay/?invoice=1&invoice=2` for one or several invoices
    # (the list page), and `/payments/invoices/1/pay/` for the invoice page's action button.
    path("pay/", views.pay_view, name="pay"),
    path("invoices/<int:pk>/pay/", views.pay_view, name="pay"),
    path("orders/<uuid:stamp>/", views.order_view, name="order"),
    path("return/<slug:provider>/success/", views.return_success_view, name="return_success"),
    path("return/<slug:provider>/cancel/", views.return_cancel_view, name="return_cancel"),
    path("callback/<slug:provider>/success/", views.callback_success_view, name="callback_success"),
    path("callback/<slug:provider>/cancel/", views.callback_cancel_view, name="callback_cancel"),
    path(
        "overpayments/<int:pk>/bank-account/",
        views.bank_account_notice_view,
        name="bank_account_notice",
    ),
    path("sandbox/<str:transaction_id>/", views.sandbox_view, name="sandbox"),
    path("sandbox/<str:transaction_id>/decide/", views.sandbox_decide_view, name="sandbox_decide"),
]
