"""Paying online: the summary page, the sandbox bank, returns, callbacks and the receipt."""

from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from invoices.models import CreditorUser, EventKind, Stage
from invoices.selectors import with_balance
from payments.models import (
    Allocation,
    OrderState,
    Payment,
    PaymentOrder,
    UnmatchedPayment,
    UnmatchedReason,
)
from tests.factories import InvoiceFactory, UserFactory
from tests.payments.conftest import callback_url, return_url, signed, start_payment


def pay_url(*invoices) -> str:
    return reverse("payments:pay") + "?" + "&".join(f"invoice={i.pk}" for i in invoices)


def balance(invoice) -> Decimal:
    return with_balance(type(invoice).objects.filter(pk=invoice.pk)).get().open_balance


def test_pay_page_summarises_the_invoice_in_finnish(alice, alice_client, alice_invoice):
    alice.preferred_language = "fi"
    alice.save()
    response = alice_client.get(pay_url(alice_invoice))
    html = response.content.decode()
    assert response.status_code == 200
    assert alice_invoice.number in html
    assert "100,00\u00a0€" in html
    assert 'lang="fi"' in html


def test_the_invoice_pages_pay_action_leads_to_the_same_page(alice_client, alice_invoice):
    url = reverse("payments:pay", kwargs={"pk": alice_invoice.pk})
    response = alice_client.get(url)
    assert response.status_code == 200
    assert alice_invoice.number in response.content.decode()


def test_bob_gets_404_on_paying_alices_invoice(bob_client, alice_invoice):
    assert bob_client.get(pay_url(alice_invoice)).status_code == 404
    assert bob_client.post(pay_url(alice_invoice)).status_code == 404
    assert not PaymentOrder.objects.exists()


def test_a_creditor_user_may_not_pay_the_creditors_invoice(client, alice_invoice):
    clerk = UserFactory()
    CreditorUser.objects.create(creditor=alice_invoice.creditor, user=clerk)
    client.force_login(clerk)
    assert client.get(pay_url(alice_invoice)).status_code == 404


def test_pay_page_requires_login(client, alice_invoice):
    response = client.get(pay_url(alice_invoice))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_a_paid_invoice_is_refused_with_a_message(alice_client, alice_invoice):
    alice_invoice.stage = Stage.PAID
    alice_invoice.save()
    response = alice_client.get(pay_url(alice_invoice))
    assert response.status_code == 200
    assert b'role="alert"' in response.content
    assert b'type="submit">' not in response.content.split(b"<main")[1].split(b"</form>")[0][-200:]
    assert alice_client.post(pay_url(alice_invoice)).status_code == 400
    assert not PaymentOrder.objects.exists()


def test_paying_through_the_sandbox_books_the_payment_and_sends_a_receipt(
    alice_client, alice_invoice, django_capture_on_commit_callbacks
):
    order, bank_url = start_payment(alice_client, alice_invoice)
    assert bank_url.startswith(f"/payments/sandbox/{order.transaction_id}/?")
    assert order.state == OrderState.PENDING and order.amount == Decimal("100.00")

    bank = alice_client.get(bank_url)
    assert bank.status_code == 200 and "€100.00" in bank.content.decode()
    decide = reverse("payments:sandbox_decide", args=[order.transaction_id])
    with django_capture_on_commit_callbacks(execute=True):
        back = alice_client.post(f"{decide}?{bank_url.split('?', 1)[1]}", {"decision": "pay"})
    assert back.status_code == 302 and "/payments/return/sandbox/success/" in back["Location"]

    page = alice_client.get(back["Location"], follow=True)
    order.refresh_from_db()
    assert order.state == OrderState.PAID
    assert page.redirect_chain[-1][0] == reverse("payments:order", args=[order.stamp])
    assert 'data-state="paid"' in page.content.decode()

    alice_invoice.refresh_from_db()
    assert alice_invoice.stage == Stage.PAID
    assert balance(alice_invoice) == 0
    assert Payment.objects.get().order == order
    assert set(alice_invoice.events.values_list("kind", flat=True)) >= {
        EventKind.PAYMENT,
        EventKind.PAID,
    }
    assert len(mail.outbox) == 1
    assert alice_invoice.number in mail.outbox[0].body


def test_cancelling_at_the_sandbox_bank_changes_nothing(alice_client, alice_invoice):
    order, bank_url = start_payment(alice_client, alice_invoice)
    decide = reverse("payments:sandbox_decide", args=[order.transaction_id])
    back = alice_client.post(f"{decide}?{bank_url.split('?', 1)[1]}", {"decision": "cancel"})
    assert "/payments/return/sandbox/cancel/" in back["Location"]
    alice_client.get(back["Location"])
    order.refresh_from_db()
    assert order.state == OrderState.CANCELLED
    assert not Payment.objects.exists()
    assert balance(alice_invoice) == Decimal("100.00")


def test_sandbox_decide_is_post_only(alice_client, alice_invoice):
    order, bank_url = start_payment(alice_client, alice_invoice)
    decide = reverse("payments:sandbox_decide", args=[order.transaction_id])
    assert alice_client.get(f"{decide}?{bank_url.split('?', 1)[1]}").status_code == 405


def test_the_sandbox_bank_does_not_exist_when_switched_off(alice_client, alice_invoice, settings):
    order, bank_url = start_payment(alice_client, alice_invoice)
    settings.PAYMENTS_SANDBOX = False
    assert alice_client.get(bank_url).status_code == 404
    assert alice_client.get(callback_url(signed_while_on(order))).status_code == 404


def signed_while_on(order):
    from payments.providers.sandbox import SandboxProvider

    return SandboxProvider("whatever").signed_return_params(
        order.transaction_id, str(order.stamp), "ref", order.amount, "ok"
    )


def test_a_tampered_sandbox_order_is_refused(alice_client, alice_invoice):
    _order, bank_url = start_payment(alice_client, alice_invoice)
    tampered = bank_url.replace("checkout-amount=10000", "checkout-amount=100")
    assert alice_client.get(tampered).status_code == 400


def test_a_partial_payment_leaves_the_rest_open(alice, alice_client, alice_invoice):
    alice.preferred_language = "fi"  # a Finnish payer types a decimal comma
    alice.save()
    order, _url = start_payment(
        alice_client, alice_invoice, {f"amount_{alice_invoice.pk}": "40,50"}
    )
    assert order.amount == Decimal("40.50")
    alice_client.get(callback_url(signed(order)))
    alice_invoice.refresh_from_db()
    assert alice_invoice.stage == Stage.OPEN
    assert balance(alice_invoice) == Decimal("59.50")


@pytest.mark.parametrize("amount", ["0", "-5", "100,01", "10,005", "kymppi"])
def test_a_partial_amount_must_be_positive_cents_within_the_balance(
    alice_client, alice_invoice, amount
):
    response = alice_client.post(pay_url(alice_invoice), {f"amount_{alice_invoice.pk}": amount})
    assert response.status_code == 400
    assert b"field-error" in response.content
    assert not PaymentOrder.objects.exists()


def test_without_partial_payments_the_full_balance_is_paid(alice_client, alice_invoice):
    alice_invoice.creditor.settings.allow_partial_payment = False
    alice_invoice.creditor.settings.save()
    page = alice_client.get(pay_url(alice_invoice)).content.decode()
    assert f"amount_{alice_invoice.pk}" not in page
    order, _url = start_payment(alice_client, alice_invoice, {f"amount_{alice_invoice.pk}": "1"})
    assert order.amount == Decimal("100.00")


def test_several_invoices_are_paid_in_one_order(alice_client, alice, alice_invoice, creditor):
    from invoices.models import InvoiceAccess

    second = InvoiceFactory(creditor=creditor, principal=Decimal("25.00"))
    InvoiceAccess.objects.create(invoice=second, user=alice, method="myropo_id")
    response = alice_client.post(pay_url(alice_invoice, second))
    assert response.status_code == 302
    order = PaymentOrder.objects.get()
    assert order.amount == Decimal("125.00") and order.lines.count() == 2
    alice_client.get(callback_url(signed(order)))
    for invoice in (alice_invoice, second):
        invoice.refresh_from_db()
        assert invoice.stage == Stage.PAID
    assert Payment.objects.count() == 1
    assert Allocation.objects.count() == 2


def test_a_valid_callback_books_one_payment(alice_client, alice_invoice):
    order, _url = start_payment(alice_client, alice_invoice)
    response = alice_client.get(callback_url(signed(order)))
    assert response.status_code == 200
    assert Payment.objects.filter(order=order).count() == 1


def test_a_tampered_callback_is_400_and_changes_nothing(client, alice_client, alice_invoice):
    order, _url = start_payment(alice_client, alice_invoice)
    params = signed(order)
    params["checkout-amount"] = "1"
    assert client.get(callback_url(params)).status_code == 400
    params = signed(order)
    params["signature"] = "0" * 64
    assert client.get(return_url(params)).status_code == 400
    order.refresh_from_db()
    assert order.state == OrderState.PENDING
    assert not Payment.objects.exists()


def test_repeated_and_out_of_order_returns_and_callbacks_book_once(
    client, alice_client, alice_invoice, django_capture_on_commit_callbacks
):
    order, _url = start_payment(alice_client, alice_invoice)
    ok, fail = signed(order), signed(order, "fail")
    with django_capture_on_commit_callbacks(execute=True):
        client.get(callback_url(signed(order, "pending")))
        for _ in range(3):
            alice_client.get(return_url(ok))
            client.get(callback_url(ok))
        client.get(callback_url(fail, "cancel"))
        alice_client.get(return_url(fail, "cancel"))
    order.refresh_from_db()
    assert order.state == OrderState.PAID
    assert Payment.objects.count() == 1
    assert Allocation.objects.count() == 1
    assert alice_invoice.events.filter(kind=EventKind.PAYMENT).count() == 1
    assert len(mail.outbox) == 1


def test_a_late_success_after_a_cancel_is_still_booked(client, alice_client, alice_invoice):
    order, _url = start_payment(alice_client, alice_invoice)
    client.get(callback_url(signed(order, "fail"), "cancel"))
    order.refresh_from_db()
    assert order.state == OrderState.CANCELLED
    client.get(callback_url(signed(order)))
    order.refresh_from_db()
    assert order.state == OrderState.PAID


def test_an_amount_mismatch_is_queued_and_nothing_is_allocated(client, alice_client, alice_invoice):
    order, _url = start_payment(alice_client, alice_invoice)
    client.get(callback_url(signed(order, amount=Decimal("10.00"))))
    order.refresh_from_db()
    assert order.state == OrderState.MISMATCH
    queued = UnmatchedPayment.objects.get()
    assert queued.reason == UnmatchedReason.AMOUNT_MISMATCH
    assert queued.payment.amount == Decimal("10.00")
    assert not Allocation.objects.exists()
    alice_invoice.refresh_from_db()
    assert alice_invoice.stage == Stage.OPEN
    page = alice_client.get(reverse("payments:order", args=[order.stamp])).content.decode()
    assert 'data-state="mismatch"' in page


def test_the_return_page_shows_pending_until_verified(alice_client, alice_invoice):
    order, _url = start_payment(alice_client, alice_invoice)
    page = alice_client.get(reverse("payments:order", args=[order.stamp]))
    assert 'data-state="pending"' in page.content.decode()
    assert 'hx-trigger="every 3s"' in page.content.decode()


def test_the_order_status_renders_alone_for_htmx(alice_client, paid_order):
    url = reverse("payments:order", args=[paid_order.stamp])
    response = alice_client.get(url, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert 'id="payment-status"' in html
    assert "<html" not in html


def test_bob_gets_404_on_alices_order_page(bob_client, paid_order):
    assert bob_client.get(reverse("payments:order", args=[paid_order.stamp])).status_code == 404


def test_the_payments_page_lists_the_users_orders(alice_client, paid_order):
    assert (
        paid_order.lines.get().invoice.number
        in alice_client.get(reverse("payments:list")).content.decode()
    )


def test_the_receipt_is_in_the_users_language(
    alice, alice_client, alice_invoice, django_capture_on_commit_callbacks
):
    alice.preferred_language = "en"
    alice.save()
    order, _url = start_payment(alice_client, alice_invoice)
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.get(callback_url(signed(order)))
    assert mail.outbox[0].subject == "Receipt for your payment"
    # 11 a § 2 mom: a consumer's payment covers the costs last.
    assert "A payment covers first interest, then the invoice amount" in mail.outbox[0].body
