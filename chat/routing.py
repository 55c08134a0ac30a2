from django.urls import path  # noqa: F401  (live chat routes are added by the chat work)

websocket_urlpatterns: list = []
