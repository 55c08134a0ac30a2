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
        return f"+ {value.normalize():f} percentage points"
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


# The structure of the enacted texts (Finlex, eliask/finlex-data: data/asd/fi/2013/
# asd20130031.xml and data/asd/fi/2022/asd20220299.xml), read by hand: for each section the
# amending act wrote, its subsections, and for a subsection with paragraphs their number and
# the subparagraphs' letters. A citation that points anywhere else points at nothing.
ENACTED = {
    "31/2013": {
        "4": {1: 0, 2: 3, 3: 0},
        "4 b": {1: 0, 2: 0, 3: 0},
        "4 c": {1: 0, 2: 0, 3: 0},
        "10 a": {1: {1: "", 2: "abc", 3: "", 4: "", 5: "", 6: "", 7: "abcd"}, 2: 0, 3: 0},
        "10 b": {1: 0, 2: 0, 3: 0},
        "10 c": {1: 0, 2: 0},
        "10 d": {1: {1: "", 2: "", 3: ""}, 2: 0, 3: 0},
        "11 a": {1: 0, 2: 0},
    },
    "299/2022": {
        "5": {1: 0, 2: 4, 3: 0, 4: 0, 5: 0},
        "6": {1: 0},
        "10": {3: 0},
        "10 a": {1: {1: ""}},
        "10 e": {
            1: {1: "", 2: "abcde", 3: "", 4: "", 5: "", 6: "abcdef", 7: "abcde", 8: ""},
            2: 0,
            3: 0,
            4: 0,
        },
        "10 f": {1: 0, 2: 0},
        "10 g": {1: 0, 2: 0, 3: 0},
        "10 h": {1: {1: "", 2: "", 3: "", 4: ""}, 2: 0, 3: 0, 4: 0, 5: 0},
        "10 i": {1: 0},
    },
}


def test_every_rule_row_cites_an_existing_place_of_the_enacted_text():
    from collection.rules import LEGAL_RULES, Act

    for row in LEGAL_RULES:
        assert row.cites, row.code
        for cite in row.cites:
            if cite.act is not Act.DEBT_COLLECTION:
                continue
            sections = ENACTED[cite.amended_by]
            assert cite.section in sections, (row.code, cite)
            if cite.subsection is None:
                continue
            subsections = sections[cite.section]
            assert cite.subsection in subsections, (row.code, cite)
            paragraphs = subsections[cite.subsection]
            if cite.paragraph is None:
                continue
            if isinstance(paragraphs, int):
                assert 1 <= cite.paragraph <= paragraphs, (row.code, cite)
                continue
            assert cite.paragraph in paragraphs, (row.code, cite)
            assert not cite.subparagraph or cite.subparagraph in paragraphs[cite.paragraph], (
                row.code,
                cite,
            )


def test_the_issues_wrong_citations_are_gone():
    """Issue 11, item 14: allocation is 11 a §, reminders 10 a / 10 b §, the standard
    compensation 10 i § of the 2022 amendment (not 30/2013, which only defines the payment)."""
    from collection.rules import rule

    first = rule("consumer.allocation").cites[0]
    assert (first.section, first.subsection) == ("11 a", 2)
    assert {c.section for c in rule("consumer.reminder_1").cites} >= {"10 a", "10 b"}
    assert "10 c" not in {c.section for c in rule("consumer.reminder_1").cites}
    compensation = rule("business.standard_compensation").cites[0]
    assert (compensation.section, compensation.amended_by) == ("10 i", "299/2022")


INTERNAL = ("DESIGN.md", "seed-era", "Our policy", "policy:", "stricter reading", "≤", "≥")


def page(client, language: str) -> str:
    with translation.override(language):
        response = client.get(reverse("price_list"), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return unescape(response.content.decode())


def public_rows(html: str) -> list[str]:
    body = html.split("<main", 1)[1].split("</main>", 1)[0]
    return re.findall(r"<(?:tr|li)[^>]*>(.*?)</(?:tr|li)>", body, re.S)


def test_no_public_row_shows_an_internal_note_in_any_language(client, db):
    for language in ("fi", "sv", "en"):
        rows = public_rows(page(client, language))
        assert len(rows) > 30
        for row in rows:
            for note in INTERNAL:
                assert note not in row, (language, note, row)


def test_the_sources_are_in_the_pages_language(client, db):
    fi, sv, en = (page(client, language) for language in ("fi", "sv", "en"))
    assert (
        "Laki saatavien perinnästä (513/1999) 10 a § 1 mom. 2 k. b (muutettu lailla 31/2013)" in fi
    )
    assert "Lag om indrivning av fordringar (513/1999) 10 i § (ändrad genom 299/2022)" in sv
    assert "Debt Collection Act (513/1999), section 10 d(1)(2) (as amended by 31/2013)" in en
    assert "Korkolaki (633/1982) 4 § 1 mom." in fi
    assert "Debt Collection Act" not in fi and "Debt Collection Act" not in sv


def test_the_amounts_are_formatted_for_the_locale(client, db):
    fi, sv, en = (page(client, language) for language in ("fi", "sv", "en"))
    assert "+ 7 prosenttiyksikköä" in fi and "+ 8 prosenttiyksikköä" in fi
    assert "+ 7 procentenheter" in sv
    assert "+ 7 percentage points" in en
    assert "24,00\u00a0€" in fi and "24,00\u00a0€" in sv and "€24.00" in en
    assert "1\u202f000,00\u00a0€" in fi
    assert "24.00" not in fi and "€24" not in fi
