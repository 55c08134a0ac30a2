"""The public price list page is the rule table the engine enforces (issue 7, item 1)."""

import re
from html import unescape

from django.urls import reverse
from django.utils import translation

from collection.rules import Unit, price_list_rows
from myropo.templatetags.money import format_euros

ROW = re.compile(
    r'<tr data-label="(?P<key>[^"]+)">\s*<th scope="row">[^<]*</th>\s*'
    r'<td class="condition"[^>]*>(?P<condition>[^<]*)</td>\s*'
    r'<td class="consumer"[^>]*>(?P<consumer>[^<]*)</td>\s*'
    r'<td class="business"[^>]*>(?P<business>[^<]*)</td>'
)


def shown(value, unit) -> str:
    if value is None:
        return "–"
    if unit is Unit.PERCENT_POINTS:
        return f"+ {value:g} percentage points"
    return format_euros(value, "en")


def test_the_price_list_page_equals_the_rule_table(client, db):
    with translation.override("en"):
        response = client.get(reverse("price_list"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = unescape(response.content.decode())
    printed = [(m["key"], m["consumer"].strip(), m["business"].strip()) for m in ROW.finditer(html)]
    expected = []
    for row in price_list_rows():
        business = shown(row.business, row.unit)
        if row.consumer is None and row.business is None:
            business = "creditor's price list"
        expected.append((row.label_key, shown(row.consumer, row.unit), business))
    assert printed == expected


def test_the_price_list_conditions_are_in_words(client, db):
    response = client.get(reverse("price_list"), HTTP_ACCEPT_LANGUAGE="en")
    html = unescape(response.content.decode())
    conditions = [m["condition"] for m in ROW.finditer(html)]
    assert "principal over €100.00 up to €1,000.00" in conditions
    assert "transfer of 14 days or more" in conditions
    assert not any("≤" in c or ">" in c for c in conditions)


def test_the_price_list_shows_the_current_reference_rate(client, db, settings):
    from datetime import date
    from decimal import Decimal

    from collection.models import ReferenceRate

    today = date.today()
    start = date(today.year, 1 if today.month <= 6 else 7, 1)
    end = date(today.year, 6, 30) if start.month == 1 else date(today.year, 12, 31)
    ReferenceRate.objects.update_or_create(
        start=start, defaults={"end": end, "rate": Decimal("3.25")}
    )
    response = client.get(reverse("price_list"), HTTP_ACCEPT_LANGUAGE="en")
    assert "3.25 %" in response.content.decode()
