from django.urls import path

from chat.consumers import AgentConsoleConsumer, CustomerChatConsumer

websocket_urlpatterns = [
    path("ws/chat/agent/", AgentConsoleConsumer.as_asgi()),
    path("ws/chat/<int:chat_id>/", CustomerChatConsumer.as_asgi()),
]
