"""Staff: the creditor page shows the arrangement rules; a request is declined with a reason."""

from datetime import timedelta

import pytest
from django.urls import reverse

from arrangements.models import ArrangementRequest, RequestKind, RequestState
from arrangements.services import arrangement_request_create
from tests.invoices.test_admin import mfa_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, staff):
    staff.preferred_language = "en"
    staff.save(update_fields=["preferred_language"])
    return mfa_login(client, staff)


def test_the_creditor_page_has_the_arrangement_rules_inline(staff_client, creditor):
    page = staff_client.get(reverse("admin:invoices_creditor_change", args=[creditor.pk]))
    assert page.status_code == 200
    assert "plan_max_installments" in page.content.decode()


def test_staff_decline_a_request_with_a_reason(staff_client, own_invoice, acting):
    invoice = own_invoice()
    request = arrangement_request_create(
        kind=RequestKind.TRANSFER,
        invoices=[invoice],
        terms={"to_date": (invoice.due_date + timedelta(weeks=6)).isoformat()},
        why_outside="too long",
        acting=acting,
    )
    url = reverse("admin:arrangements_arrangementrequest_change", args=[request.pk])
    refused = staff_client.post(url, {"decision": RequestState.DECLINED, "reason": ""})
    assert refused.status_code == 200
    assert ArrangementRequest.objects.get().state == RequestState.REQUESTED
    staff_client.post(url, {"decision": RequestState.DECLINED, "reason": "Ei perusteita"})
    request.refresh_from_db()
    assert (request.state, request.decision_reason) == (RequestState.DECLINED, "Ei perusteita")
    invoice.refresh_from_db()
    assert invoice.due_date == invoice.original_due_date
