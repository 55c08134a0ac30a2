from django.urls import path

from invoices import views

app_name = "invoices"

urlpatterns = [
    path("", views.invoice_list_view, name="list"),
    path("find/", views.invoice_claim_view, name="claim"),
    path("<int:pk>/", views.invoice_detail_view, name="detail"),
    path("<int:pk>/pdf/", views.invoice_pdf_view, name="pdf"),
    path(
        "<int:pk>/claims/<int:claim_pk>/remove/",
        views.invoice_claim_remove_view,
        name="claim_remove",
    ),
    path(
        "<int:pk>/organisation-claims/<int:claim_pk>/remove/",
        views.invoice_organisation_claim_remove_view,
        name="organisation_claim_remove",
    ),
]
