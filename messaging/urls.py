from django.urls import path

from messaging import views

app_name = "messaging"

urlpatterns = [
    path("", views.inbox_view, name="inbox"),
    path("badge/", views.badge_view, name="badge"),
    path("new/", views.new_contact_view, name="new"),
    # The invoice page shows "Send a message" when this name resolves (invoices.views).
    path("new/<int:pk>/", views.new_contact_view, name="new"),
    path("<int:pk>/", views.thread_view, name="thread"),
    path("<int:pk>/reply/", views.reply_view, name="reply"),
    path("<int:pk>/feedback/", views.feedback_view, name="feedback"),
    path("feedback/<str:token>/", views.feedback_link_view, name="feedback_link"),
    path("files/<int:pk>/<str:token>/", views.attachment_view, name="attachment"),
]
