from django.urls import path

from creditor import views
from creditor.api import views as api_views

app_name = "creditor"

urlpatterns = [
    path("", views.home_view, name="home"),
    path("switch/", views.switch_view, name="switch"),
    path("invoices/", views.invoice_list_view, name="invoices"),
    path("invoices/upload/", views.upload_view, name="upload"),
    path("uploads/<int:pk>/", views.upload_detail_view, name="upload_detail"),
    path("invoices/<int:pk>/", views.invoice_detail_view, name="invoice"),
    path("invoices/<int:pk>/credit/", views.invoice_credit_view, name="invoice_credit"),
    path("invoices/<int:pk>/dispute/", views.invoice_dispute_view, name="invoice_dispute"),
    path("invoices/<int:pk>/pause/", views.invoice_pause_view, name="invoice_pause"),
    path("invoices/<int:pk>/resume/", views.invoice_resume_view, name="invoice_resume"),
    path("invoices/<int:pk>/recall/", views.invoice_recall_view, name="invoice_recall"),
    path("invoices/<int:pk>/notes/", views.invoice_note_view, name="invoice_note"),
    path("contacts/", views.contact_list_view, name="contacts"),
    path("contacts/<int:pk>/", views.contact_detail_view, name="contact"),
    path("statistics/", views.statistics_view, name="statistics"),
    path("settings/", views.settings_view, name="settings"),
    path("settings/preview/", views.settings_preview_view, name="settings_preview"),
    path("settings/letterhead/", views.settings_letterhead_view, name="settings_letterhead"),
    path(
        "settings/letterhead/logo.png",
        views.settings_letterhead_logo_view,
        name="settings_letterhead_logo",
    ),
    path("letters/<int:pk>/pdf/", views.letter_pdf_view, name="letter_pdf"),
    path("users/", views.users_view, name="users"),
    path("users/<int:pk>/role/", views.user_role_view, name="user_role"),
    path("users/<int:pk>/remove/", views.user_remove_view, name="user_remove"),
    path(
        "users/invitations/<int:pk>/cancel/",
        views.invitation_cancel_view,
        name="invitation_cancel",
    ),
    path("settings/api-keys/", api_views.api_keys_view, name="api_keys"),
    path(
        "settings/api-keys/<int:pk>/revoke/", api_views.api_key_revoke_view, name="api_key_revoke"
    ),
]
