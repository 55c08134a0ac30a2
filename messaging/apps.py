from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "messaging"
    verbose_name = _("Messaging")

    def ready(self) -> None:
        # Staff requests of the lower apps (arrangements, payments) arrive as contacts.
        from messaging.inbox import register

        register()
