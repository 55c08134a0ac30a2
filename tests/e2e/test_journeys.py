"""Proof of what each persona sees (issue 12, "Proof"): the consumer, the company admin, the
authorized person, the creditor user and customer service each sign in once and walk their
main pages in Finnish, Swedish and English. On each page the test reads what a user must
see there (their names, the amounts written the way the language writes them, the labels
in that language) and saves a screenshot at 1280 px and at 360 px under test-artifacts/
(journey-<persona>-<language>-<page>-<width>.png), where nothing may scroll sideways.

Other browser tests go deeper into one flow each (paying, plans, authorizing, the creditor's
upload, the phone layout of every page); these are the one look at every persona in every
language."""

import re
from decimal import Decimal

from django.utils import timezone, translation
from django.utils.translation import gettext

from accounts.models import Membership, User
from invoices.hooks import payoff
from invoices.models import CreditorUser, Invoice
from messaging.models import AuthorKind, Contact, Message
from myropo.templatetags.money import format_euros
from tests.e2e.personas import (
    COMPANY,
    CONSUMER,
    CREDITOR,
    LANGUAGES,
    STAFF,
    act_as,
    authorized_person,
    sign_in,
)
from tests.e2e.test_layout_phone import _open_invoices, demo  # noqa: F401

PHONE, DESKTOP = 360, 1280
AMOUNT = {
    "fi": re.compile(r"^-?\d{1,3}( \d{3})*,\d{2} €$"),
    "sv": re.compile(r"^-?\d{1,3}( \d{3})*,\d{2} €$"),
    "en": re.compile(r"^-?€\d{1,3}(,\d{3})*\.\d{2}$"),
}


def _t(language: str, text: str, **names) -> str:
    """The catalog's words for `text` in `language`, which must not be the English ones."""
    with translation.override(language):
        said = gettext(text)
    if language != "en":
        assert said != text, f"{text!r} is not translated to {language}"
    return said % names if names else said


def _plain(text: str) -> str:
    """Spaces as typed: the money filter groups thousands with a narrow no-break space."""
    return text.replace("\xa0", " ").replace("\u202f", " ")


def _euros(amount: Decimal, language: str) -> str:
    written = _plain(format_euros(amount, language))
    assert AMOUNT[language].match(written), written
    return written


class Journey:
    """One signed-in persona's walk: each page is read and shot at both widths."""

    def __init__(self, page, screenshot, persona: str, user: User):
        self.page, self.screenshot, self.persona, self.user = page, screenshot, persona, user
        self.language = "fi"

    def speak(self, language: str) -> None:
        self.language = language
        User.objects.filter(pk=self.user.pk).update(preferred_language=language)

    def show(self, name: str, path: str, *must_see: str) -> str:
        """Opens `path`, checks that each of `must_see` is in the page's visible text at
        1280 and at 360 px, and saves both screenshots; returns the visible text."""
        self.page.set_viewport_size({"width": DESKTOP, "height": 800})
        response = self.page.goto(path)
        assert response.status == 200, path
        self.page.wait_for_load_state("networkidle")  # htmx parts (the header's switcher)
        assert self.page.evaluate("() => document.documentElement.lang") == self.language
        text = ""
        for width in (DESKTOP, PHONE):
            self.page.set_viewport_size({"width": width, "height": 800 if width > PHONE else 740})
            text = _plain(self.page.locator("body").inner_text())
            missing = [seen for seen in must_see if seen not in text]
            assert not missing, f"{self.language} {path} at {width} px: {missing} not shown"
            self.screenshot(self.page, f"journey-{self.persona}-{self.language}-{name}-{width}")
            wide = self.page.evaluate("() => document.scrollingElement.scrollWidth > innerWidth")
            assert not wide, f"{self.language} {path} scrolls sideways at {width} px"
        return text


def _open_payable(user: User) -> Invoice:
    return next(i for i in _open_invoices(user) if not i.plan_entries.exists())


def _invoice_pages(journey: Journey, invoice: Invoice) -> None:
    """The invoice with what it takes to pay it today, and the pay page with the same sum."""
    language = journey.language
    due = payoff(invoice, timezone.localdate())
    amount = _euros(due.total, language)
    label = "Amount to pay today" if due.interest_accrued else "Open balance"
    journey.show(
        "invoice",
        f"/invoices/{invoice.pk}/",
        invoice.creditor.name,
        invoice.number,
        _t(language, label),
        amount,
    )
    journey.show(
        "pay",
        f"/payments/invoices/{invoice.pk}/pay/",
        _t(language, "Pay online"),
        _t(language, "Continue to payment"),
        amount,
    )


def test_the_consumer_sees_her_invoices_amounts_and_messages_in_each_language(
    demo,  # noqa: F811
    page,
    screenshot,
):
    user = User.objects.get(email=CONSUMER[0])
    invoice = _open_payable(user)
    answer = Message.objects.filter(
        contact__owner_user=user, author_kind=AuthorKind.STAFF, internal=False
    ).first()
    contact = answer.contact
    sign_in(page, *CONSUMER)
    journey = Journey(page, screenshot, "consumer", user)
    for language in LANGUAGES:
        journey.speak(language)
        journey.show(
            "invoices",
            "/invoices/",
            _t(language, "Your invoices"),
            _t(language, "Open balance in total"),
            invoice.creditor.name,
        )
        _invoice_pages(journey, invoice)
        journey.show("thread", f"/messages/{contact.pk}/", answer.body.split("\n")[0])
        journey.show(
            "profile",
            "/profile/",
            _t(language, "Your details"),
            _t(language, "You log in as %(email)s.", email=user.email),
        )


def test_the_company_admin_sees_the_companys_invoices_and_members_in_each_language(
    demo,  # noqa: F811
    page,
    screenshot,
):
    user = User.objects.get(email=COMPANY[0])
    organisation = Membership.objects.get(user=user).organisation
    invoice = next(
        i
        for i in _open_invoices(user)
        if i.debtor_business_id == organisation.business_id and not i.plan_entries.exists()
    )
    sign_in(page, *COMPANY)
    act_as(page, f"org:{organisation.pk}")
    journey = Journey(page, screenshot, "company", user)
    for language in LANGUAGES:
        journey.speak(language)
        journey.show(
            "invoices",
            "/invoices/",
            _t(language, "Acting for %(name)s", name=organisation.name),
            invoice.number,
        )
        _invoice_pages(journey, invoice)
        journey.show(
            "company",
            f"/profile/companies/{organisation.pk}/",
            organisation.name,
            organisation.business_id,
            user.get_full_name(),
        )


def test_the_authorized_person_acts_on_the_grantors_invoices_in_each_language(
    demo,  # noqa: F811
    page,
    screenshot,
):
    user, authorization = authorized_person()
    grantor = authorization.grantor_user
    invoice = _open_payable(grantor)
    sign_in(page, user.email)
    act_as(page, f"auth:{authorization.pk}")
    journey = Journey(page, screenshot, "authorized", user)
    for language in LANGUAGES:
        journey.speak(language)
        journey.show(
            "invoices",
            "/invoices/",
            _t(language, "Acting on behalf of %(name)s", name=grantor.get_full_name()),
            invoice.creditor.name,
        )
        _invoice_pages(journey, invoice)


def test_the_creditor_user_sees_the_creditors_invoices_in_each_language(
    demo,  # noqa: F811
    page,
    screenshot,
):
    user = User.objects.get(email=CREDITOR[0])
    creditor = CreditorUser.objects.get(user=user).creditor
    invoice = (
        Invoice.objects.filter(creditor=creditor, stage="reminded").first()
        or Invoice.objects.filter(creditor=creditor).first()
    )
    sign_in(page, *CREDITOR, totp=True)
    journey = Journey(page, screenshot, "creditor", user)
    for language in LANGUAGES:
        journey.speak(language)
        journey.show("home", "/creditor/", _t(language, "Overview"), creditor.name)
        journey.show(
            "invoices", "/creditor/invoices/", invoice.number, _t(language, "Open balance")
        )
        journey.show(
            "invoice",
            f"/creditor/invoices/{invoice.pk}/",
            invoice.debtor_name,
            _t(language, "Invoice amount"),
            _euros(invoice.principal, language),
        )


def test_customer_service_sees_the_queue_a_contact_and_an_invoice_in_each_language(
    demo,  # noqa: F811
    page,
    screenshot,
):
    user = User.objects.get(email=STAFF[0])
    contact = Contact.objects.filter(owner_user__email=CONSUMER[0]).order_by("pk").first()
    customer = contact.owner_user.get_full_name()
    first = contact.messages.order_by("pk").first()
    invoice = contact.invoices.first()
    sign_in(page, *STAFF, totp=True)
    journey = Journey(page, screenshot, "staff", user)
    for language in LANGUAGES:
        journey.speak(language)
        journey.show("queue", "/admin/messaging/contact/", customer)
        journey.show(
            "contact",
            f"/admin/messaging/contact/{contact.pk}/change/",
            customer,
            first.body[:40],
            _t(language, "Reply or write an internal note"),
        )
        journey.show(
            "invoice",
            f"/admin/invoices/invoice/{invoice.pk}/change/",
            invoice.number,
            invoice.creditor.name,
        )
