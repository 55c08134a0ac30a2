from django.urls import path

from arrangements import views

app_name = "arrangements"

urlpatterns = [
    # The invoice page shows its actions when these names resolve (invoices.views).
    path("invoices/<int:pk>/due-date/", views.due_date_view, name="due_date"),
    path("invoices/<int:pk>/plan/", views.plan_view, name="plan"),
    path("plan/", views.plan_view, name="plan_new"),
    path("plans/<int:pk>/", views.plan_detail_view, name="plan_detail"),
    path("plans/<int:pk>/pdf/", views.plan_pdf_view, name="plan_pdf"),
    path("plans/<int:pk>/cancel/", views.plan_cancel_view, name="plan_cancel"),
    path(
        "plans/<int:pk>/installments/<int:number>/pay/",
        views.installment_pay_view,
        name="installment_pay",
    ),
]
