"""What every page may print about the service itself: its name and how to reach it."""

from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict:
    return {
        "site_name": settings.SITE_NAME,
        "customer_service_phone": settings.CUSTOMER_SERVICE_PHONE,
        "customer_service_email": settings.CUSTOMER_SERVICE_EMAIL,
        "message_centre_enabled": settings.MESSAGE_CENTRE_ENABLED,
        "chat_enabled": settings.CHAT_ENABLED,
        "chat_max_length": settings.CHAT_MAX_MESSAGE_LENGTH,
    }
