"""factory_boy factories for bulk and ad-hoc test data."""

from datetime import date, timedelta
from decimal import Decimal

import factory
from allauth.account.models import EmailAddress

from accounts.models import User
from invoices.models import Creditor, CreditorSettings, DebtorType, Invoice, InvoiceLine
from invoices.references import national_reference_from_base

PASSWORD = "correct-Horse-battery-9"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    first_name = factory.Faker("first_name", locale="fi_FI")
    last_name = factory.Faker("last_name", locale="fi_FI")
    # Tests read English texts; tests of Finnish or Swedish pages say so.
    preferred_language = "en"

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or PASSWORD)
        if create:
            self.save(update_fields=["password"])
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)


class CreditorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Creditor
        django_get_or_create = ["business_id"]
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Energia Oy {n}")
    # Valid Y-tunnus values; sequence cycles through them.
    business_id = factory.Iterator(["2331972-7", "0737546-2", "1572860-0", "0109862-8"])
    iban = "FI7944052020036082"
    bic = "NDEAFIHH"
    email = "laskutus@example.test"

    @factory.post_generation
    def settings(self, create, extracted, **kwargs):
        if create:
            CreditorSettings.objects.get_or_create(creditor=self)


class InvoiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invoice
        skip_postgeneration_save = True

    creditor = factory.SubFactory(CreditorFactory)
    number = factory.Sequence(lambda n: f"{100000 + n}")
    debtor_type = DebtorType.CONSUMER
    debtor_name = factory.Faker("name", locale="fi_FI")
    debtor_street = "Mannerheimintie 1"
    debtor_postcode = "00100"
    debtor_city = "Helsinki"
    issue_date = factory.LazyFunction(lambda: date.today() - timedelta(days=14))
    due_date = factory.LazyFunction(lambda: date.today() + timedelta(days=14))
    original_due_date = factory.SelfAttribute("due_date")
    reference = factory.Sequence(lambda n: national_reference_from_base(str(1000 + n)))
    principal = Decimal("100.00")

    @factory.post_generation
    def with_line(self, create, extracted, **kwargs):
        if create and extracted is not False:
            InvoiceLine.objects.create(
                invoice=self,
                position=1,
                description="Sähkö 10/2026",
                quantity=1,
                unit_price=self.principal,
                vat_rate=Decimal("0.00"),
                net_total=self.principal,
                vat_total=Decimal("0.00"),
                gross_total=self.principal,
            )
