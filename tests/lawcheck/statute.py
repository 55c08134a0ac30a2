"""The statute table, encoded for the law checker straight from the statute texts.

Written from the Finnish texts themselves (Finlex, repository eliask/finlex-data):
- Laki saatavien perinnästä 513/1999 as amended by 31/2013 (data/asd/fi/2013/asd20130031.xml,
  consumer rules, in force 16.3.2013) and 299/2022 (data/asd/fi/2022/asd20220299.xml, business
  rules 10 e–10 j §, in force 1.5.2022);
- Laki velan vanhentumisesta 728/2003 (data/asd/fi/2003/asd20030728.xml) 4, 5, 10 and 13 §;
- Korkolaki 633/1982 4 § and 4 a § (margins 7 and 8 percentage points);
- the Consumer Ombudsman's decision of 21.10.2024 on Ropo Suomi Oy (KKV/378/14.08.01.05/2022).

It deliberately imports nothing from the project (no `rules.py`, no engine constant): a
checker that reads the table it checks proves nothing (STYLE.md). Brackets are on "saatavan
pääoma", which the checker takes as the invoice's own capital (Invoice.principal): the texts
bracket the receivable, not what is still unpaid of it, and the original capital gives the
higher cap, so an engine that brackets on the unpaid capital can never be flagged for it.
"≤ 100" means 100.00 is in the lower bracket ("enintään 100 euroa").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

D = Decimal
CONSUMER = "consumer"
BUSINESS = "business"

PERINTALAKI = "perintälaki 513/1999"
OMBUDSMAN = "KKV/378/14.08.01.05/2022 (Kuluttaja-asiamies 21.10.2024, Ropo)"
LIMITATION_ACT = "laki velan vanhentumisesta 728/2003"
INTEREST_ACT = "korkolaki 633/1982"


@dataclass(frozen=True)
class Cap:
    """A maximum and the exact place of the text that sets it."""

    amount: Decimal
    section: str


# --- Fees of one collection act ----------------------------------------------------------


def reminder_fee_cap(kind: str) -> Cap:
    if kind == CONSUMER:
        # "kirjallisesti tai muulla pysyvällä tavalla toimitetusta maksumuistutuksesta enintään 5"
        return Cap(D("5.00"), f"{PERINTALAKI} 10 a § 1 mom 1 k (299/2022)")
    return Cap(D("12.00"), f"{PERINTALAKI} 10 e § 1 mom 1 k (299/2022)")


def demand_fee_cap(kind: str, principal: Decimal, number: int) -> Cap:
    """The 1st payment demand's cap by bracket; a new one ("uusi maksuvaatimus") half of it."""
    if kind == CONSUMER:
        if principal <= 100:
            first = D("14.00")
        elif principal <= 1000:
            first = D("24.00")
        else:
            first = D("50.00")
        point = "10 a § 1 mom 2 k" if number == 1 else "10 a § 1 mom 4 k"
        section = f"{PERINTALAKI} {point} (31/2013)"
    else:
        if principal <= 500:
            first = D("50.00")
        elif principal <= 2500:
            first = D("70.00")
        elif principal <= 10000:
            first = D("90.00")
        else:
            first = D("110.00")
        point = "10 e § 1 mom 2 k" if number == 1 else "10 e § 1 mom 3 k"
        section = f"{PERINTALAKI} {point} (299/2022)"
    return Cap(first if number == 1 else first / 2, section)


def transfer_fee_cap(kind: str) -> Cap:
    """ "velallisen pyynnöstä tehdystä maksuajan pidennyksestä enintään 5 / 10 euroa"."""
    if kind == CONSUMER:
        return Cap(D("5.00"), f"{PERINTALAKI} 10 a § 1 mom 6 k (31/2013)")
    return Cap(D("10.00"), f"{PERINTALAKI} 10 e § 1 mom 5 k (299/2022)")


# An extension earns a fee only when it is at least 14 days long.
TRANSFER_MIN_DAYS = {
    CONSUMER: (14, f"{PERINTALAKI} 10 b § 3 mom (31/2013)"),
    BUSINESS: (14, f"{PERINTALAKI} 10 f § 2 mom (299/2022)"),
}


def plan_fee_cap(kind: str, principal: Decimal, installments: int) -> Cap:
    if kind == CONSUMER:
        section = f"{PERINTALAKI} 10 a § 1 mom 7 k (31/2013)"
        if principal <= 100 or installments <= 4:
            return Cap(D("20.00"), section)
        if principal <= 1000:
            return Cap(D("30.00"), section)
        return Cap(D("50.00"), section)
    section = f"{PERINTALAKI} 10 e § 1 mom 6 k (299/2022)"
    if principal <= 500 or installments <= 4:
        base = D("30.00")
    elif principal <= 2500:
        base = D("45.00")
    elif principal <= 10000:
        base = D("60.00")
    else:
        base = D("75.00")
    # e) "5 euroa kustakin maksuerästä seitsemännestä maksuerästä lukien, jos maksusuunnitelman
    # on sovittu käsittävän enemmän kuin kuusi maksuerää" (on top of a–d, also of a's 30 €).
    extra = D(5) * (installments - 6) if installments > 6 else D(0)
    return Cap(base + extra, section)


# --- Counts ------------------------------------------------------------------------------


def demand_fee_count(kind: str) -> tuple[int, str]:
    if kind == CONSUMER:
        return 2, f"{PERINTALAKI} 10 c § 1 mom (31/2013)"
    return 2, f"{PERINTALAKI} 10 g § 1 mom (299/2022)"


def plan_fee_count(kind: str, principal: Decimal) -> tuple[int, str]:
    if kind == CONSUMER:
        return (2 if principal > 100 else 1), f"{PERINTALAKI} 10 c § 1 mom (31/2013)"
    return (2 if principal > 500 else 1), f"{PERINTALAKI} 10 g § 2 mom (299/2022)"


# --- Total caps --------------------------------------------------------------------------


def total_cost_cap(kind: str, principal: Decimal) -> Cap:
    """All collection costs of one receivable together (plan and extension fees included:
    10 d / 10 h speak of "perintäkuluina yhteensä"). Interest is not a collection cost."""
    if kind == CONSUMER:
        section = f"{PERINTALAKI} 10 d § 1 mom (31/2013)"
        if principal <= 100:
            return Cap(D("60.00"), section)
        if principal <= 1000:
            return Cap(D("120.00"), section)
        return Cap(D("210.00"), section)
    section = f"{PERINTALAKI} 10 h § 1 mom (299/2022)"
    if principal <= 500:
        return Cap(D("250.00"), section)
    if principal <= 2500:
        return Cap(D("470.00"), section)
    if principal <= 10000:
        return Cap(D("550.00"), section)
    return Cap(D("620.00"), section)


# 10 i §: 40 € once for a commercial payment (30/2013 1 §) that carries late-payment interest;
# other costs only "siltä osin kuin niiden määrä ylittää vakiokorvauksen määrän"; 10 h § 3 mom:
# the total cap does not limit it.
STANDARD_COMPENSATION = Cap(D("40.00"), f"{PERINTALAKI} 10 i § (299/2022)")
STANDARD_COMPENSATION_TOTAL_CAP_EXEMPT = f"{PERINTALAKI} 10 h § 3 mom (299/2022)"


# --- Time limits -------------------------------------------------------------------------

# 10 b § 1 mom: a consumer reminder fee only if the invoice was sent at least 14 days before
# it fell due, and at least 14 days have passed since it fell due.
INVOICE_SENT_BEFORE_DUE_DAYS = 14
REMINDER_FEE_AFTER_DUE_DAYS = 14
REMINDER_FEE_SECTION = f"{PERINTALAKI} 10 b § 1 mom (31/2013)"
# 10 b § 2 mom: a new reminder or demand fee only 14 days after the previous reminder or demand.
CONSUMER_NEW_LETTER_DAYS = 14
CONSUMER_NEW_LETTER_SECTION = f"{PERINTALAKI} 10 b § 2 mom (31/2013)"
# The Ombudsman: "Perintäkirjettä ei saa lähettää velalliselle 14. päivänä edellisen
# perintäkirjeen lähettämisestä tai 14. päivänä erääntymisestä" — a fee-bearing letter on day 15
# at the earliest, counted from the due date or the previous letter.
OMBUDSMAN_EARLIEST_DAY = 15
# ... and every letter gives at least ten days to pay and to object, counted from the day the
# debtor at the latest receives it under the terms of the delivery method.
OMBUDSMAN_PAYMENT_DAYS = 10
# 10 f § 1 mom: business, a new reminder or demand fee only 10 days after the previous one.
BUSINESS_NEW_LETTER_DAYS = 10
BUSINESS_NEW_LETTER_SECTION = f"{PERINTALAKI} 10 f § 1 mom (299/2022)"
# 5 § 1 mom (299/2022; 3 mom in 31/2013): no payment demand before the debtor was reminded
# after the due date and 14 days have passed since the reminder.
DEMAND_AFTER_REMINDER_DAYS = 14
DEMAND_SECTION = f"{PERINTALAKI} 5 § 1 mom (299/2022)"
# 6 § 1 mom: no court claim before the demand was sent and its payment and objection
# deadlines have passed; 2 mom 2 k: unless the debtor disputed or asked to stop (4 c §).
LEGAL_SECTION = f"{PERINTALAKI} 6 § (31/2013, 299/2022)"

# When the debtor at the latest receives a letter, in days after it is sent, per channel.
# Letter post: hallintolaki 434/2003 59 § 2 mom ("Vastaanottajan katsotaan saaneen asiasta
# tiedon seitsemäntenä päivänä kirjeen lähettämisestä") — longer than Posti's quality
# requirement (97 % by the 5th working day), so it holds over weekends and holidays. E-mail and
# e-invoice: laki sähköisestä asioinnista viranomaistoiminnassa 13/2003 19 § 2 mom presumes an
# electronic message received on the 3rd day after it was sent.
RECEIVED_AT_THE_LATEST_DAYS = {"letter": 7, "email": 3, "einvoice": 3}
RECEIVED_SOURCE = "hallintolaki 434/2003 59 § 2 mom (post: 7 days), 13/2003 19 § 2 mom (3 days)"


# --- Limitation --------------------------------------------------------------------------

LIMITATION_YEARS = 3
LIMITATION_SECTION = (
    f"{LIMITATION_ACT} 4, 5, 10, 13 § and {PERINTALAKI} 4 § 3 mom "
    "('Vanhentunutta ... saatavaa ei saa periä')"
)


def add_years(day: date, years: int) -> date:
    """The same day `years` later; 29 February falls back to 28 February (laki
    määräaikain laskemisesta 150/1930 4 §: the month's last day when it has no such day)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def barred_from(start: date) -> date:
    """The first day on which a debt whose period started on `start` is statute-barred (the
    issue's reading: due 15.5.2020, barred from 15.5.2023)."""
    return add_years(start, LIMITATION_YEARS)


# --- Interest ----------------------------------------------------------------------------

INTEREST_MARGIN = {
    CONSUMER: (D("7"), f"{INTEREST_ACT} 4 § 1 mom"),
    BUSINESS: (D("8"), f"{INTEREST_ACT} 4 a § 1 mom"),
}


def days_in_year(day: date) -> int:
    """Actual/actual: a leap year's days of delay are divided by 366."""
    return 366 if (date(day.year, 12, 31) - date(day.year, 1, 1)).days == 365 else 365


def half_year_start(day: date) -> date:
    return date(day.year, 1 if day.month <= 6 else 7, 1)


def each_day(first: date, last: date):
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)
