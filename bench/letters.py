"""Letters and PDFs: PDFs per second of the invoice PDF and of the reminder and collection
letters, against a minimal one-page WeasyPrint document rendered in the same run.

    .venv/bin/python bench/letters.py [--invoices 20 --repeat 60] [--profile invoice]

Creates its own database (``myropo_bench_letters``), migrates it, creates a creditor and a
few invoices (two lines, a reminder fee, a part payment) with a reminder and a payment
demand letter each, then renders, the kinds taking turns each round so that background load
slows them alike: the minimal document, the invoice PDF (``invoices.pdf.invoice_pdf_bytes``)
and the letter (``collection.letters.letter_pdf_bytes``), both with their database reads.
It prints each kind's median ms and PDFs/s, the daily cycle's letters estimated on the given
number of processes, and as the last line the letter's PDFs/s and its ratio to the minimal
document. See bench/README.md.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.invoice_list import (  # noqa: E402  # after the path set-up above
    BENCH_ENV,
    database_urls,
    drop_database,
    recreate_database,
)

MINIMAL_HTML = "<!DOCTYPE html><html><body><p>Hello, MyRopo.</p></body></html>"
# The letters the 1M cycle bench queues in one day (bench/README.md, issue 16).
CYCLE_LETTERS = 35_000


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--invoices", type=int, default=20, help="invoices, two letters each")
    parser.add_argument("--repeat", type=int, default=60, help="timed rounds")
    parser.add_argument("--warmup", type=int, default=3, help="untimed rounds first")
    parser.add_argument("--processes", type=int, default=2, help="for the cycle's estimate")
    parser.add_argument(
        "--profile", choices=["invoice", "letter", "minimal"], help="cProfile one kind instead"
    )
    parser.add_argument("--dump", metavar="DIR", help="write one invoice's and letter's HTML")
    parser.add_argument("--database", default="myropo_bench_letters", help="dropped and created")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    if "bench" not in args.database:
        parser.error("the benchmark drops its database; its name must contain 'bench'")
    return args


def main() -> None:
    args = parse_args()
    maintenance_url, bench_url = database_urls(args.database)
    os.environ["DATABASE_URL"] = bench_url
    for key, value in BENCH_ENV.items():
        os.environ.setdefault(key, value)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "myropo.settings")

    recreate_database(maintenance_url, args.database)
    try:
        run(args)
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            drop_database(maintenance_url, args.database)


def make_data(count: int) -> tuple[list, list]:
    from django.utils import timezone

    from collection.models import CollectionStepKind, Letter, ReferenceRate
    from invoices.models import Charge, ChargeKind, CreditorSettings, InvoiceLine
    from payments.models import Allocation, Payment
    from tests.factories import CreditorFactory, InvoiceFactory

    today = timezone.localdate()
    ReferenceRate.objects.all().delete()
    ReferenceRate.objects.create(
        start=date(2020, 1, 1), end=today + timedelta(days=800), rate=Decimal("2.50")
    )
    creditor = CreditorFactory(
        name="Helsingin Energia Oy", street="Kampinkuja 2", postcode="00100", city="Helsinki"
    )
    CreditorSettings.objects.filter(creditor=creditor).update(
        reminder_message="Muistathan maksaa sähkölaskusi, kiitos!"
    )
    invoices, letters = [], []
    for i in range(count):
        due = today - timedelta(days=40 + i)
        invoice = InvoiceFactory(
            creditor=creditor,
            with_line=False,
            issue_date=due - timedelta(days=14),
            due_date=due,
            original_due_date=due,
            principal=Decimal("1369.00"),
            language=("fi", "sv", "en")[i % 3],
        )
        for position, (net, rate, vat) in enumerate(
            [("1000.00", "25.50", "255.00"), ("100.00", "14.00", "14.00")], start=1
        ):
            InvoiceLine.objects.create(
                invoice=invoice,
                position=position,
                description=f"Sähkö {position}/2026",
                quantity=Decimal("1"),
                unit_price=Decimal(net),
                vat_rate=Decimal(rate),
                net_total=Decimal(net),
                vat_total=Decimal(vat),
                gross_total=Decimal(net) + Decimal(vat),
            )
        Charge.objects.create(
            invoice=invoice,
            kind=ChargeKind.REMINDER_FEE,
            amount=Decimal("5.00"),
            booked_on=due + timedelta(days=15),
            rule="consumer_reminder_fee",
            legal_cap=Decimal("5.00"),
            idempotency_key=f"bench-reminder-{i}",
        )
        payment = Payment.objects.create(
            source="bank", external_id=f"bench-{i}", amount=Decimal("69.00"), paid_on=due
        )
        Allocation.objects.create(
            payment=payment, invoice=invoice, component="principal", amount=Decimal("69.00")
        )
        invoices.append(invoice)
        for step, days in ((CollectionStepKind.REMINDER_1, 15), (CollectionStepKind.DEMAND_1, 30)):
            letters.append(
                Letter.objects.create(
                    invoice=invoice,
                    step=step,
                    language=invoice.language,
                    letter_date=due + timedelta(days=days),
                    due_date=due + timedelta(days=days + 14),
                )
            )
    return invoices, letters


def run(args: argparse.Namespace) -> None:
    import django

    django.setup()

    from django.core.management import call_command

    from collection.letters import letter_html, letter_pdf_bytes
    from invoices.models import Invoice
    from invoices.pdf import invoice_pdf_bytes, invoice_pdf_html, render_pdf

    start = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    print(f"migrated {args.database} in {time.perf_counter() - start:.1f} s")
    invoices, letters = make_data(args.invoices)
    print(f"{len(invoices)} invoices, {len(letters)} letters (reminder and payment demand)")

    def minimal(_i: int) -> bytes:
        # The same per-thread setup as the real PDFs (fonts, fetcher), without the stylesheet.
        return render_pdf(MINIMAL_HTML, stylesheet=False)

    def invoice(i: int) -> bytes:
        # A fresh instance, as the download view loads one: no balance cached between rounds.
        return invoice_pdf_bytes(Invoice.objects.get(pk=invoices[i % len(invoices)].pk))

    def letter(i: int) -> bytes:
        return letter_pdf_bytes(letters[i % len(letters)])

    kinds: dict[str, Callable[[int], bytes]] = {
        "minimal": minimal,
        "invoice": invoice,
        "letter": letter,
    }
    for i in range(args.warmup):
        for render in kinds.values():
            assert render(i).startswith(b"%PDF-")

    if args.dump:
        Path(args.dump, "invoice.html").write_text(invoice_pdf_html(invoices[0]))
        Path(args.dump, "letter.html").write_text(letter_html(letters[1]))

    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for i in range(args.repeat):
            kinds[args.profile](i)
        profiler.disable()
        stats = pstats.Stats(profiler).sort_stats("cumulative")
        stats.print_stats(45)
        stats.sort_stats("tottime").print_stats(30)
        return

    # Wall time, and the CPU time of this process: on a shared machine the wall time also
    # holds the waits for a core, the CPU time does not (the database's share is in neither).
    times: dict[str, list[float]] = {name: [] for name in kinds}
    cpu: dict[str, list[float]] = {name: [] for name in kinds}
    sizes: dict[str, int] = {}
    for i in range(args.repeat):
        for name, render in kinds.items():
            begin, begin_cpu = time.perf_counter(), time.process_time()
            pdf = render(i)
            cpu[name].append(time.process_time() - begin_cpu)
            times[name].append(time.perf_counter() - begin)
            sizes[name] = len(pdf)

    rate = {name: 1 / statistics.median(values) for name, values in times.items()}
    for name, values in times.items():
        cpu_ms = statistics.median(cpu[name]) * 1000
        print(
            f"{name:8} median {statistics.median(values) * 1000:7.1f} ms "
            f"(p90 {statistics.quantiles(values, n=10)[-1] * 1000:7.1f} ms, "
            f"CPU {cpu_ms:6.1f} ms) {rate[name]:6.1f} PDFs/s "
            f"({1000 / cpu_ms:5.1f} by CPU)  {sizes[name] / 1024:6.1f} KiB"
        )
    minutes = CYCLE_LETTERS / (rate["letter"] * args.processes) / 60
    print(
        f"the cycle's {CYCLE_LETTERS:,} letters on {args.processes} processes: {minutes:.1f} min "
        "(rendering alone, one process a core)"
    )
    print(
        f"letter {rate['letter']:.1f} PDFs/s, invoice {rate['invoice']:.1f} PDFs/s; "
        f"ratio minimal/letter: {rate['minimal'] / rate['letter']:.1f}x"
    )


if __name__ == "__main__":
    main()
