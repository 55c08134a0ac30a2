from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from accounts import views as accounts_views
from creditor.api.endpoints import api as creditor_api
from myropo import views

urlpatterns = [
    path("", views.home, name="home"),
    path("help/", views.help_page, name="help"),
    path("price-list/", views.price_list, name="price_list"),
    path("privacy/", views.privacy_page, name="privacy"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("invoices/", include("invoices.urls")),
    path("letters/", include("collection.urls")),
    path("payments/", include("payments.urls")),
    path("arrangements/", include("arrangements.urls")),
    path("messages/", include("messaging.urls")),
    path("chat/", include("chat.urls")),
    path("creditor/", include("creditor.urls")),
    path("api/creditor/v1/", creditor_api.urls),
    path("offline/", views.offline, name="offline"),
    path("healthz", views.healthz, name="healthz"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("i18n/setlang/", accounts_views.set_language, name="set_language"),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript_catalog"),
    path("accounts/", include("allauth.urls")),
    path("profile/", include("accounts.urls")),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler400 = "myropo.errors.bad_request"
handler403 = "myropo.errors.permission_denied"
handler404 = "myropo.errors.page_not_found"
handler500 = "myropo.errors.server_error"
