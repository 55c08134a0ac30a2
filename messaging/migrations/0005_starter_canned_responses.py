"""Starter canned responses in fi, sv and en, which staff edit or switch off in the admin.

Texts in the data, not in the catalogs: each row is already in its own language, and staff
change them as their service changes (a translation would hide their edits).
"""

from django.db import migrations

STARTERS = [
    # (title, language, classification, body)
    (
        "Maksu löytyi",
        "fi",
        "payment_report",
        "Kiitos ilmoituksestasi. Löysimme maksusi ja kirjasimme sen laskulle. "
        "Laskusta ei tarvitse tehdä enempää.",
    ),
    (
        "Betalningen hittades",
        "sv",
        "payment_report",
        "Tack för ditt meddelande. Vi hittade din betalning och bokförde den på fakturan. "
        "Du behöver inte göra något mer.",
    ),
    (
        "Payment found",
        "en",
        "payment_report",
        "Thank you for letting us know. We found your payment and booked it on the invoice. "
        "There is nothing more you need to do.",
    ),
    (
        "Riitautus vastaanotettu",
        "fi",
        "dispute",
        "Kiitos viestistäsi. Olemme keskeyttäneet laskun perinnän sillä aikaa, kun "
        "selvitämme asiaa laskuttajan kanssa. Kerromme ratkaisusta tässä viestiketjussa.",
    ),
    (
        "Bestridan mottagen",
        "sv",
        "dispute",
        "Tack för ditt meddelande. Vi har pausat indrivningen av fakturan medan vi utreder "
        "saken med fakturautfärdaren. Vi berättar om beslutet i den här tråden.",
    ),
    (
        "Dispute received",
        "en",
        "dispute",
        "Thank you for your message. We have paused collection of the invoice while we look "
        "into it with the creditor. We will tell you the decision in this thread.",
    ),
    (
        "Eräpäivän siirto",
        "fi",
        "due_date",
        "Voit siirtää eräpäivää itse MyRopossa laskun sivulta, laskuttajan sallimissa "
        "rajoissa. Jos haluat pidemmän siirron, kerro toivomasi päivä, niin kysymme "
        "laskuttajalta.",
    ),
    (
        "Flytta förfallodagen",
        "sv",
        "due_date",
        "Du kan själv flytta förfallodagen i MyRopo på fakturans sida, inom de gränser "
        "fakturautfärdaren tillåter. Vill du flytta den längre, berätta vilken dag du "
        "önskar så frågar vi fakturautfärdaren.",
    ),
    (
        "Moving the due date",
        "en",
        "due_date",
        "You can move the due date yourself in MyRopo on the invoice's page, within the "
        "limits the creditor allows. For a longer move, tell us the date you would like and "
        "we will ask the creditor.",
    ),
]


def add_starters(apps, schema_editor):
    CannedResponse = apps.get_model("messaging", "CannedResponse")
    for title, language, classification, body in STARTERS:
        CannedResponse.objects.get_or_create(
            title=title,
            language=language,
            defaults={"classification": classification, "body": body},
        )


def remove_starters(apps, schema_editor):
    CannedResponse = apps.get_model("messaging", "CannedResponse")
    for title, language, _classification, body in STARTERS:
        # Only the untouched starters: an edited one is staff's own text by now.
        CannedResponse.objects.filter(title=title, language=language, body=body).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0004_contact_search"),
    ]

    operations = [migrations.RunPython(add_starters, remove_starters)]
