from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChatConfig(AppConfig):
    name = "chat"
    verbose_name = _("Chat")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_out

        from chat.signals import close_sockets_of_session

        user_logged_out.connect(close_sockets_of_session, dispatch_uid="chat-close-sockets")
