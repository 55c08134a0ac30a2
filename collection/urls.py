from django.urls import path

from collection import views as letter_views

app_name = "letters"

urlpatterns = [
    path("<int:pk>/pdf/", letter_views.letter_pdf_view, name="pdf"),
]
