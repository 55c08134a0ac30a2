from django.urls import path

from creditor import views

app_name = "creditor"

urlpatterns = [
    path("", views.home_view, name="home"),
    path("switch/", views.switch_view, name="switch"),
    path("invoices/", views.invoice_list_view, name="invoices"),
    path("invoices/<int:pk>/", views.invoice_detail_view, name="invoice"),
    path("settings/", views.settings_view, name="settings"),
    path("settings/preview/", views.settings_preview_view, name="settings_preview"),
    path("letters/<int:pk>/pdf/", views.letter_pdf_view, name="letter_pdf"),
]
