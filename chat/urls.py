from django.urls import path

from chat import views

app_name = "chat"

urlpatterns = [
    path("status/", views.status_view, name="status"),
    path("start/", views.start_view, name="start"),
    path("message/", views.offline_message_view, name="offline_message"),
    path("<int:pk>/end/", views.end_view, name="end"),
    path("<int:pk>/feedback/", views.feedback_view, name="feedback"),
    path("<int:pk>/transcript/", views.transcript_view, name="transcript"),
]
