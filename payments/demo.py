"""Demo creditors, invoices and their payments for `make run` (never in production: seed_demo
refuses when DEBUG is off). It lives in payments, the highest app it writes to.

`seed` is idempotent: creditors are keyed on their business ID and invoices on (creditor,
number); an invoice that exists is left as it is, so a second run changes nothing. The
content comes from a seeded `random.Random`, so every checkout shows the same invoices; only
the dates move with the day of the first run, so that "open" invoices are not yet due.
"""

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Case, Count, Q, Value, When
from django.utils import timezone

from accounts.demo import PERSONAS, persona_ensure
from accounts.models import Membership, Organisation, Role, User, VerifiedIdentity
from collection.models import ReferenceRate
from collection.rules import DebtorKind, LegalRule, demand_rule, reminder_rule
from invoices.models import (
    CLOSED_STAGES,
    AccessMethod,
    Charge,
    ChargeKind,
    Credit,
    Creditor,
    CreditorRole,
    CreditorSettings,
    CreditorUser,
    DebtorType,
    EventKind,
    Invoice,
    InvoiceAccess,
    InvoiceEvent,
    InvoiceLine,
    Stage,
)
from invoices.references import national_reference_from_base, rf_reference_from_national
from invoices.selectors import with_balance
from myropo.templatetags.money import format_euros
from payments.allocation import Booked, allocations_booked
from payments.models import Allocation, Component, Payment, PaymentSource

HELSINKI = ZoneInfo("Europe/Helsinki")
CENT = Decimal("0.01")

# The debtor identities of the demo personas: the consumer's HETU is verified (strong
# identification) and the company persona administers the verified organisation.
CONSUMER_EMAIL = "consumer@myropo.test"
COMPANY_EMAIL = "company@myropo.test"
CREDITOR_EMAIL = "creditor@myropo.test"
STAFF_EMAIL = "staff@myropo.test"
CONSUMER_HETU = "131052-308T"
CONSUMER_NAME = "Maija Meikäläinen"
COMPANY_BUSINESS_ID = "2874409-5"
COMPANY_NAME = "Kallion Kahvipaahtimo Oy"


@dataclass(frozen=True)
class DemoCreditor:
    key: str
    name: str
    business_id: str
    iban: str
    bic: str
    email: str
    phone: str
    street: str
    postcode: str
    city: str
    number_base: int
    settings: dict


CREDITORS = [
    DemoCreditor(
        key="energy",
        name="Pohjolan Sähkö Oy",
        business_id="2914563-3",
        iban="FI2312345600123454",
        bic="NDEAFIHH",
        email="asiakaspalvelu@pohjolansahko.test",
        phone="+358 9 4250 1000",
        street="Voimalaitoksentie 4",
        postcode="00560",
        city="Helsinki",
        number_base=41_000_000,
        settings={
            "receivable_type": "Sähkölasku",
            "receivable_basis": "Sähkönmyynti- ja siirtosopimus",
            "reminder_count": 2,
            "reminder_message": "Hei! Sähkölaskumme on vielä maksamatta. Jos olet jo maksanut, "
            "tämä muistutus on aiheeton.",
            "collection_instructions": "Sopimus voidaan irtisanoa, jos saatava siirtyy perintään.",
            "company_transfer_limit": 1,
            "consumer_transfer_limit": 1,
        },
    ),
    DemoCreditor(
        key="telecom",
        name="Revontuli Telecom Oyj",
        business_id="3120587-7",
        iban="FI8450012023456787",
        bic="OKOYFIHH",
        email="laskutus@revontulitelecom.test",
        phone="+358 10 190 2000",
        street="Keilaranta 17",
        postcode="02150",
        city="Espoo",
        number_base=7_200_000,
        settings={
            "receivable_type": "Puhelin- ja laajakaistalasku",
            "receivable_basis": "Liittymäsopimus",
            "reminder_message": "Muistathan maksaa laskusi, ettei liittymääsi tarvitse sulkea.",
            "company_transfer_limit": 1,
            "consumer_transfer_limit": 2,
            "consumer_transfer_max_weeks": 3,
        },
    ),
    DemoCreditor(
        key="dentist",
        name="Hammaslääkäriasema Hymy Oy",
        business_id="2456781-0",
        iban="FI8880012701234567",
        bic="DABAFIHH",
        email="vastaanotto@hammashymy.test",
        phone="+358 3 356 7700",
        street="Hämeenkatu 21 A",
        postcode="33200",
        city="Tampere",
        number_base=300_000,
        settings={
            "receivable_type": "Hammashoito",
            "receivable_basis": "Hoitokäynti",
            "reminder_message": "Hoitolaskusi on erääntynyt. Ota yhteyttä, jos tarvitset "
            "maksuaikaa.",
            "company_transfer_limit": 0,
            "consumer_transfer_limit": 1,
        },
    ),
    DemoCreditor(
        key="housing",
        name="Asunto Oy Helsingin Koivukuja",
        business_id="1987654-7",
        iban="FI3940551120123454",
        bic="HELSFIHH",
        email="isannointi@koivukuja.test",
        phone="+358 9 7740 500",
        street="Koivukuja 3",
        postcode="00680",
        city="Helsinki",
        number_base=5_100_000,
        settings={
            "receivable_type": "Vastike",
            "receivable_basis": "Yhtiöjärjestys ja yhtiökokouksen päätös",
            "reminder_message": "Vastike on maksamatta. Maksamattomat vastikkeet voivat johtaa "
            "huoneiston hallintaanottoon.",
            # A housing company does not move the due dates of charges (Ropo One: "no transfers").
            "company_transfer_limit": 0,
            "consumer_transfer_limit": 0,
        },
    ),
    DemoCreditor(
        key="webshop",
        name="Verkkokauppa Kide Oy",
        business_id="3301122-4",
        iban="FI9639390010123453",
        bic="SBANFIHH",
        email="tuki@kidekauppa.test",
        phone="+358 8 5530 200",
        street="Teknologiantie 12",
        postcode="90590",
        city="Oulu",
        number_base=880_000,
        settings={
            "receivable_type": "Verkkokaupan lasku",
            "receivable_basis": "Tilaus verkkokaupasta",
            "reminder_message": "Tilauksesi lasku on erääntynyt. Kiitos, että hoidat sen pian.",
            "company_transfer_limit": 1,
            "company_transfer_max_weeks": 1,
            "consumer_transfer_limit": 1,
        },
    ),
]

# Which creditor the demo creditor user works for.
CREDITOR_USER_CREDITOR = "energy"

VAT_GENERAL = Decimal("25.5")
VAT_REDUCED = Decimal("14")  # books, medicines, sports and culture (since 1.1.2025)
VAT_LOW = Decimal("10")  # newspapers and periodicals
VAT_NONE = Decimal("0")  # health care, housing-company charges

MONTHS_FI = (
    "tammikuu", "helmikuu", "maaliskuu", "huhtikuu", "toukokuu", "kesäkuu",
    "heinäkuu", "elokuu", "syyskuu", "lokakuu", "marraskuu", "joulukuu",
)  # fmt: skip


@dataclass(frozen=True)
class Line:
    description: str
    quantity: Decimal
    unit_price: Decimal
    vat_rate: Decimal


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _lines(rng: random.Random, creditor: str, debtor_type: str, month: str) -> list[Line]:
    """One to three realistic rows for this kind of creditor (unit prices VAT excluded)."""
    company = debtor_type == DebtorType.COMPANY

    def d(value) -> Decimal:
        return Decimal(str(value))

    if creditor == "energy":
        kwh = rng.randint(1500, 9000) if company else rng.randint(180, 650)
        rows = [
            Line(f"Sähköenergia {month}, {kwh} kWh", d(kwh), d("0.09"), VAT_GENERAL),
            Line(f"Perusmaksu {month}", d(1), d("4.90") if company else d("3.95"), VAT_GENERAL),
        ]
        if rng.random() < 0.7:
            rows.append(Line(f"Sähkönsiirto {month}, {kwh} kWh", d(kwh), d("0.05"), VAT_GENERAL))
        return rows
    if creditor == "telecom":
        if company:
            users = rng.randint(3, 8)
            rows = [Line(f"Yritysliittymä 5G 1000M, {month}", d(users), d("27.08"), VAT_GENERAL)]
            if rng.random() < 0.5:
                rows.append(Line(f"Yritysnetti 1000M, {month}", d(1), d("55.00"), VAT_GENERAL))
            return rows
        rows = [Line(f"Mobiililiittymä 5G 600M, {month}", d(1), d("23.90"), VAT_GENERAL)]
        if rng.random() < 0.6:
            rows.append(Line(f"Kotinetti 1000M, {month}", d(1), d("31.87"), VAT_GENERAL))
        if rng.random() < 0.4:
            rows.append(Line("Puhelimen osamaksu, erä", d(1), d("19.92"), VAT_GENERAL))
        return rows
    if creditor == "dentist":
        treatments = [
            ("Hammastarkastus", "62.00"),
            ("Hammaskiven poisto", "78.00"),
            ("Paikkaus, kaksi pintaa", "115.00"),
            ("Röntgenkuvaus", "28.00"),
            ("Juurihoito, käynti", "245.00"),
        ]
        picked = rng.sample(treatments, rng.randint(1, 2))
        # Health care is exempt from VAT; products sold at the desk are not.
        rows = [Line(name, d(1), d(price), VAT_NONE) for name, price in picked]
        if rng.random() < 0.3:
            rows.append(Line("Sähköhammasharjan vaihtoharjat", d(1), d("15.90"), VAT_GENERAL))
        return rows
    if creditor == "housing":
        if company:
            return [
                Line(f"Liiketilan hoitovastike {month}", d(1), d("890.00"), VAT_NONE),
                Line(f"Liiketilan vesimaksu {month}", d(1), d("64.00"), VAT_NONE),
            ]
        rows = [Line(f"Hoitovastike {month}", d(1), d("312.40"), VAT_NONE)]
        if rng.random() < 0.6:
            rows.append(Line(f"Rahoitusvastike {month}", d(1), d("142.80"), VAT_NONE))
        rows.append(Line(f"Vesimaksu {month}, 2 henkilöä", d(2), d("21.00"), VAT_NONE))
        return rows
    # webshop
    if company:
        products = [
            Line("Toimistotuoli Ergo Pro", d(rng.randint(1, 4)), d("239.00"), VAT_GENERAL),
            Line("Kirja: Kirjanpidon käsikirja", d(1), d("58.00"), VAT_REDUCED),
            Line("Kahvimylly Barista 900", d(1), d("349.00"), VAT_GENERAL),
            Line("Ammattilehti Kahvi & Kauppa, 12 kk", d(1), d("120.00"), VAT_LOW),
        ]
    else:
        products = [
            Line("Kirja: Suomen linnut", d(1), d("34.90"), VAT_REDUCED),
            Line("Aikakauslehti Tiede, 12 kk", d(1), d("89.00"), VAT_LOW),
            Line("Langattomat kuulokkeet", d(1), d("79.68"), VAT_GENERAL),
            Line("Retkikeitin", d(1), d("47.81"), VAT_GENERAL),
        ]
    rows = rng.sample(products, rng.randint(1, 2))
    rows.append(Line("Toimitusmaksu", d(1), d("5.50"), VAT_GENERAL))
    return rows


# --- Fee rules: the engine's table (collection.rules), each charge naming the row that allowed
# it, so that every page explains it from that code in the reader's language (issue 12 item 4).


def _reminder_rule(debtor_type: str) -> LegalRule:
    return reminder_rule(DebtorKind.from_debtor_type(debtor_type), 1)


def _demand_rule(debtor_type: str, principal: Decimal) -> LegalRule:
    return demand_rule(DebtorKind.from_debtor_type(debtor_type), principal, 1)


# --- The invoices of one debtor ------------------------------------------------------------

# (stage label, count); labels map to a stage and a history in `_history`.
STAGE_PLAN = [
    ("open", 7),
    ("overdue", 4),
    ("reminded", 3),
    ("reminded_part_paid", 1),
    ("collection", 3),
    ("legal", 1),
    ("paid", 7),
    ("paid_after_reminder", 2),
    ("credited", 2),
]


@dataclass(frozen=True)
class Debtor:
    email: str
    debtor_type: str
    name: str
    hetu: str
    business_id: str
    street: str
    postcode: str
    city: str
    creditors: tuple[str, ...]
    number_offset: int


DEBTORS = [
    Debtor(
        email=CONSUMER_EMAIL,
        debtor_type=DebtorType.CONSUMER,
        name=CONSUMER_NAME,
        hetu=CONSUMER_HETU,
        business_id="",
        street="Koivukuja 3 B 14",
        postcode="00680",
        city="Helsinki",
        creditors=("energy", "telecom", "dentist", "housing", "webshop"),
        number_offset=0,
    ),
    Debtor(
        email=COMPANY_EMAIL,
        debtor_type=DebtorType.COMPANY,
        name=COMPANY_NAME,
        hetu="",
        business_id=COMPANY_BUSINESS_ID,
        street="Fleminginkatu 9",
        postcode="00530",
        city="Helsinki",
        creditors=("energy", "telecom", "housing", "webshop"),
        number_offset=500,
    ),
]


STAGE_OF_LABEL = {
    "open": Stage.OPEN,
    "overdue": Stage.OPEN,
    "reminded": Stage.REMINDED,
    "reminded_part_paid": Stage.REMINDED,
    "collection": Stage.COLLECTION,
    "legal": Stage.LEGAL,
    "paid": Stage.PAID,
    "paid_after_reminder": Stage.PAID,
    "credited": Stage.CREDITED,
}
REMINDED_LABELS = {"reminded", "reminded_part_paid", "collection", "legal", "paid_after_reminder"}
# Days before today of the due date, chosen so that each step of the history fits before today.
DUE_DAYS_AGO = {
    "overdue": (1, 12),  # not yet 14 days overdue, so no reminder is allowed yet
    "reminded": (16, 30),
    "reminded_part_paid": (16, 30),
    "collection": (35, 70),
    "legal": (100, 150),
    "paid": (5, 200),
    "paid_after_reminder": (40, 120),
    "credited": (10, 120),
}
# The timeline names the channel from `data` in the reader's language; no stored Finnish.
CHANNEL_DETAIL = {"e-invoice": "", "paper": ""}
EVENT_HOUR = {
    EventKind.IMPORTED: 7,
    EventKind.DELIVERED: 8,
    EventKind.REMINDER: 6,
    EventKind.COLLECTION: 6,
    EventKind.LEGAL: 10,
    EventKind.PAYMENT: 14,
    EventKind.PAID: 14,
    EventKind.NOTE: 11,
    EventKind.CREDIT: 11,
}


@dataclass(frozen=True)
class Step:
    kind: str
    on: date
    detail: str = ""
    data: dict | None = None


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=HELSINKI)


def _allocate(amount: Decimal, *, costs: Decimal, principal: Decimal) -> list[tuple[str, Decimal]]:
    """Splits a payment in the default order costs → interest → principal (no interest here)."""
    parts = []
    for component, due in ((Component.COSTS, costs), (Component.PRINCIPAL, principal)):
        part = min(amount, due)
        if part > 0:
            parts.append((component, part))
            amount -= part
    return parts


def _dates(rng: random.Random, label: str, today: date) -> tuple[date, date]:
    if label == "open":
        issue = today - timedelta(days=rng.randint(1, 12))
        return issue, issue + timedelta(days=rng.choice((14, 21)))
    low, high = DUE_DAYS_AGO[label]
    due = today - timedelta(days=rng.randint(low, high))
    return due - timedelta(days=14), due


def _fees(rng: random.Random, invoice: Invoice, label: str) -> tuple[list[Charge], list[Step]]:
    """The reminder and payment-demand fees of the invoice's history, each within its cap."""
    if label not in REMINDED_LABELS:
        return [], []
    # The first chargeable reminder may go out 14 days after the due date at the earliest.
    reminder_on = invoice.due_date + timedelta(days=14)
    reminder = _reminder_rule(invoice.debtor_type)
    fee = reminder.cap
    assert fee is not None
    charges = [
        Charge(
            invoice=invoice,
            kind=ChargeKind.REMINDER_FEE,
            amount=fee,
            booked_on=reminder_on,
            rule=reminder.code,
            creditor_setting=fee,
            legal_cap=fee,
            explanation=f"Payment reminder 1, fee {fee} € ({reminder.describe()}).",
            idempotency_key="reminder:1",
        )
    ]
    steps = [Step(EventKind.REMINDER, reminder_on, "1", {"number": 1, "fee": str(fee)})]
    if label in ("collection", "legal"):
        # A payment demand only after a reminder, and 14 days after it at the earliest.
        demand_on = reminder_on + timedelta(days=rng.randint(14, 20))
        demand = _demand_rule(invoice.debtor_type, invoice.principal)
        cap = demand.cap
        assert cap is not None
        charges.append(
            Charge(
                invoice=invoice,
                kind=ChargeKind.DEMAND_FEE,
                amount=cap,
                booked_on=demand_on,
                rule=demand.code,
                creditor_setting=cap,
                legal_cap=cap,
                explanation=f"Payment demand 1 on principal {invoice.principal} €, fee {cap} € "
                f"({demand.describe()}).",
                idempotency_key="demand:1",
            )
        )
        steps.append(Step(EventKind.COLLECTION, demand_on, "", {"fee": str(cap)}))
        if label == "legal":
            legal_on = demand_on + timedelta(days=30)
            steps.append(Step(EventKind.LEGAL, legal_on, "Haastehakemus käräjäoikeudelle"))
    return charges, steps


def _payment(
    rng: random.Random, invoice: Invoice, label: str, costs: Decimal, today: date
) -> list[Step]:
    """A bank payment with allocations that cover the balance (or half of it, when part-paid)."""
    reminder_on = invoice.due_date + timedelta(days=14)
    if label == "paid":
        paid_on, amount = invoice.due_date + timedelta(days=rng.randint(-6, 3)), invoice.principal
    elif label == "paid_after_reminder":
        paid_on, amount = (
            reminder_on + timedelta(days=rng.randint(2, 10)),
            invoice.principal + costs,
        )
    elif label == "reminded_part_paid":
        paid_on, amount = reminder_on + timedelta(days=1), _money(invoice.principal / 2)
    else:
        return []
    paid_on = min(paid_on, today)
    payment = Payment.objects.create(
        source=PaymentSource.BANK,
        external_id=f"DEMO-{invoice.creditor.business_id}-{invoice.number}",
        amount=amount,
        reference=invoice.reference,
        payer_name=invoice.debtor_name,
        paid_on=paid_on,
    )
    parts = _allocate(amount, costs=costs, principal=invoice.principal)
    Allocation.objects.bulk_create(
        Allocation(payment=payment, invoice=invoice, component=component, amount=part)
        for component, part in parts
    )
    allocations_booked(
        Booked(invoice.pk, invoice.creditor_id, paid_on, part) for _component, part in parts
    )
    steps = [Step(EventKind.PAYMENT, paid_on, "", {"amount": str(amount)})]
    if invoice.stage == Stage.PAID:
        steps.append(Step(EventKind.PAID, paid_on))
    return steps


def _record_timeline(rng: random.Random, invoice: Invoice, steps: list[Step]) -> None:
    now = timezone.now()
    events = []
    previous = None
    for step in sorted(steps, key=lambda s: s.on):
        when = _at(step.on, EVENT_HOUR[step.kind], rng.randint(0, 59))
        if previous is not None:
            when = max(when, previous + timedelta(minutes=1))
        previous = when = min(when, now)
        events.append((step, when))
    created = InvoiceEvent.objects.bulk_create(
        InvoiceEvent(invoice=invoice, kind=step.kind, detail=step.detail, data=step.data or {})
        for step, _ in events
    )
    # created_at is auto_now_add; a seeded history needs the times it happened at.
    InvoiceEvent.objects.filter(pk__in=[event.pk for event in created]).update(
        created_at=Case(
            *(
                When(pk=event.pk, then=Value(when))
                for event, (_, when) in zip(created, events, strict=True)
            )
        )
    )
    kinds = {step.kind for step, _ in events}
    # What the collection cycle keeps with the events it writes (collection.cycle._set_stages).
    Invoice.objects.filter(pk=invoice.pk).update(
        created_at=events[0][1],
        ever_reminded=EventKind.REMINDER in kinds,
        ever_in_collection=EventKind.COLLECTION in kinds,
        ever_in_legal=EventKind.LEGAL in kinds,
    )


@transaction.atomic
def _create_invoice(
    *,
    rng: random.Random,
    creditor: Creditor,
    creditor_key: str,
    debtor: Debtor,
    number: str,
    reference: str,
    label: str,
    today: date,
    index: int,
) -> Invoice:
    """One invoice with lines, charges, payments and the timeline that led to its stage."""
    issue, due = _dates(rng, label, today)
    month = MONTHS_FI[(issue.month - 2) % 12]  # billed for the previous month
    lines = _lines(rng, creditor_key, debtor.debtor_type, month)
    amounts = []
    for line in lines:
        net = _money(line.quantity * line.unit_price)
        vat = _money(net * line.vat_rate / 100)
        amounts.append((net, vat, net + vat))

    invoice = Invoice.objects.create(
        creditor=creditor,
        number=number,
        debtor_type=debtor.debtor_type,
        debtor_hetu=debtor.hetu,
        debtor_business_id=debtor.business_id,
        debtor_name=debtor.name,
        debtor_street=debtor.street,
        debtor_postcode=debtor.postcode,
        debtor_city=debtor.city,
        debtor_email=debtor.email,
        issue_date=issue,
        due_date=due,
        original_due_date=due,
        reference=reference,
        language="fi",
        principal=sum((gross for _, _, gross in amounts), Decimal("0.00")),
        stage=STAGE_OF_LABEL[label],
    )
    InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=invoice,
            position=position,
            description=line.description,
            quantity=line.quantity,
            unit_price=line.unit_price,
            vat_rate=line.vat_rate,
            net_total=net,
            vat_total=vat,
            gross_total=gross,
        )
        for position, (line, (net, vat, gross)) in enumerate(zip(lines, amounts, strict=True), 1)
    )

    channel = (
        "paper" if index % 4 == 0 and debtor.debtor_type == DebtorType.CONSUMER else "e-invoice"
    )
    steps = [
        Step(EventKind.IMPORTED, issue, "Finvoice 3.0", {"format": "finvoice"}),
        Step(EventKind.DELIVERED, issue, CHANNEL_DETAIL[channel], {"channel": channel}),
    ]
    charges, fee_steps = _fees(rng, invoice, label)
    Charge.objects.bulk_create(charges)
    steps += fee_steps
    costs = sum((charge.amount for charge in charges), Decimal("0.00"))
    steps += _payment(rng, invoice, label, costs, today)
    if label == "credited":
        credited_on = issue + timedelta(days=rng.randint(3, 9))
        reason = f"Hyvitetty kokonaan hyvityslaskulla H{number}"
        # A credit row, as staff book it: without one the page would still show the balance.
        amount = with_balance(Invoice.objects.filter(pk=invoice.pk)).get().open_balance
        credit = Credit.objects.create(
            invoice=invoice, amount=amount, reason=reason, actor=_persona_user(STAFF_EMAIL)
        )
        Credit.objects.filter(pk=credit.pk).update(created_at=_at(credited_on, 11))
        data = {"credit_id": credit.pk, "amount": str(amount), "reason": reason}
        steps.append(Step(EventKind.CREDIT, credited_on, format_euros(amount, "fi"), data))
    _record_timeline(rng, invoice, steps)
    return invoice


def _ensure_creditor(spec: DemoCreditor) -> Creditor:
    creditor, _ = Creditor.objects.get_or_create(
        business_id=spec.business_id,
        defaults={
            "name": spec.name,
            "iban": spec.iban,
            "bic": spec.bic,
            "email": spec.email,
            "phone": spec.phone,
            "street": spec.street,
            "postcode": spec.postcode,
            "city": spec.city,
        },
    )
    CreditorSettings.objects.get_or_create(creditor=creditor, defaults=spec.settings)
    return creditor


def _persona_user(email: str) -> User:
    persona = next(p for p in PERSONAS if p.email == email)
    user, _ = persona_ensure(persona)
    return user


def _persona_identity(user: User, debtor: Debtor) -> None:
    """The consumer persona has identified strongly (its HETU); the company persona is the
    admin of its verified organisation (its Y-tunnus). They see their invoices through these,
    not through claims: claim rows of earlier seeds are removed."""
    now = timezone.now()
    if debtor.hetu:
        VerifiedIdentity.objects.get_or_create(
            user=user,
            defaults={
                "hetu": debtor.hetu,
                "full_name": debtor.name,
                "provider": "ftn",
                "verified_at": now,
            },
        )
    if debtor.business_id:
        organisation, _ = Organisation.objects.get_or_create(
            business_id=debtor.business_id,
            defaults={
                "name": debtor.name,
                "verified": True,
                "verified_at": now,
                "created_by": user,
            },
        )
        Membership.objects.get_or_create(
            organisation=organisation, user=user, defaults={"role": Role.ADMIN}
        )
    InvoiceAccess.objects.filter(user=user, method=AccessMethod.MYROPO_ID).filter(
        Q(invoice__debtor_hetu=debtor.hetu, invoice__debtor_type=DebtorType.CONSUMER)
        | Q(invoice__debtor_business_id=debtor.business_id, invoice__debtor_type=DebtorType.COMPANY)
    ).exclude(invoice__debtor_hetu="", invoice__debtor_business_id="").delete()


# Labelled so that nobody takes it for the Bank of Finland's figure (README, "Demo logins").
DEMO_RATE_SOURCE = "DEMO: the last entered rate carried forward; enter the published rate"


def half_year_of(day: date) -> tuple[date, date]:
    if day.month <= 6:
        return date(day.year, 1, 1), date(day.year, 6, 30)
    return date(day.year, 7, 1), date(day.year, 12, 31)


def ensure_demo_reference_rates(today: date) -> list[ReferenceRate]:
    """Half-years after the last entered reference rate, up to today's, get that rate again.

    Only the migration's half-year is real data; without a row for today's half-year every demo
    invoice would show no interest and the "rate not entered" notice. The rows say they are
    demo values, and staff can overwrite them in the admin.
    """
    latest = ReferenceRate.objects.order_by("-start").first()
    if latest is None:
        return []
    added = []
    start = latest.end + timedelta(days=1)
    while start <= today:
        first, last = half_year_of(start)
        added.append(
            ReferenceRate.objects.create(
                start=first, end=last, rate=latest.rate, source=DEMO_RATE_SOURCE
            )
        )
        start = last + timedelta(days=1)
    return added


@transaction.atomic
def seed(stdout) -> None:
    today = timezone.localdate()
    for rate in ensure_demo_reference_rates(today):
        stdout.write(f"  reference rate {rate.start}..{rate.end}: {rate.rate} % (demo value)")
    creditors = {spec.key: _ensure_creditor(spec) for spec in CREDITORS}
    specs = {spec.key: spec for spec in CREDITORS}
    CreditorUser.objects.update_or_create(
        creditor=creditors[CREDITOR_USER_CREDITOR],
        user=_persona_user(CREDITOR_EMAIL),
        defaults={"role": CreditorRole.ADMIN},
    )

    created: dict[str, int] = dict.fromkeys(creditors, 0)
    for debtor in DEBTORS:
        user = _persona_user(debtor.email)
        _persona_identity(user, debtor)
        # A string seed is hashed the same way on every run and every machine.
        rng = random.Random(f"myropo-demo:{debtor.email}")  # noqa: S311  (demo content)
        labels = [label for label, count in STAGE_PLAN for _ in range(count)]
        rng.shuffle(labels)
        for index, label in enumerate(labels):
            creditor_key = debtor.creditors[index % len(debtor.creditors)]
            creditor = creditors[creditor_key]
            number = str(specs[creditor_key].number_base + debtor.number_offset + index + 1)
            national = national_reference_from_base(
                f"{CREDITORS.index(specs[creditor_key]) + 1}{number}"
            )
            # Every fourth invoice carries the international RF form of its reference.
            reference = rf_reference_from_national(national) if index % 4 == 3 else national
            # A child Random per invoice keeps each invoice's content the same however many
            # invoices were created before it, so a half-finished seed completes identically.
            invoice_rng = random.Random(rng.random())  # noqa: S311
            invoice = Invoice.objects.filter(creditor=creditor, number=number).first()
            if invoice is None:
                invoice = _create_invoice(
                    rng=invoice_rng,
                    creditor=creditor,
                    creditor_key=creditor_key,
                    debtor=debtor,
                    number=number,
                    reference=reference,
                    label=label,
                    today=today,
                    index=index,
                )
                created[creditor_key] += 1

    for key, creditor in creditors.items():
        counts = Invoice.objects.filter(creditor=creditor).aggregate(
            total=Count("pk"),
            open=Count("pk", filter=~Q(stage__in=CLOSED_STAGES)),
            collection=Count("pk", filter=Q(stage__in=(Stage.COLLECTION, Stage.LEGAL))),
        )
        stdout.write(
            f"  {creditor.name:<30} {creditor.business_id}  {counts['total']:>2} invoices "
            f"({counts['open']} open, {counts['collection']} in collection), "
            f"{created[key]} new"
        )
