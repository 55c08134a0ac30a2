"""The letter archive's download: a letter's PDF, for those who see the invoice."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from collection.letters import letter_filename
from collection.models import Letter
from invoices.selectors import invoices_visible_to


def letter_pdf_response(letter: Letter) -> FileResponse:
    """The stored PDF, streamed from the `letters` storage (which has no URL of its own)."""
    if not letter.pdf:  # not rendered yet: the archive lists only rendered letters
        raise Http404
    response = FileResponse(
        letter.pdf.open("rb"),
        as_attachment=False,
        filename=letter_filename(letter),
        content_type="application/pdf",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
@never_cache
def letter_pdf_view(request: HttpRequest, pk: int) -> FileResponse:
    letter = get_object_or_404(
        Letter.objects.select_related("invoice"),
        pk=pk,
        invoice__in=invoices_visible_to(request.user),
    )
    return letter_pdf_response(letter)
