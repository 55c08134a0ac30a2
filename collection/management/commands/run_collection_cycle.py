"""`manage.py run_collection_cycle [--date YYYY-MM-DD] [--dry-run] [--batch-size N]`."""

import sys
from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser

from collection.cycle import BATCH_SIZE, run_collection_cycle

BAR_WIDTH = 30


def _progress(done: int, total: int) -> None:
    share = done / total if total else 1.0
    filled = int(share * BAR_WIDTH)
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done}/{total}")
    sys.stderr.flush()


class Command(BaseCommand):
    help = "Moves overdue invoices through reminders and collection for one day (default today)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="the business day, YYYY-MM-DD (default: today)")
        parser.add_argument(
            "--dry-run", action="store_true", help="decide and count, but write nothing"
        )
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **options) -> None:
        try:
            day = date.fromisoformat(options["date"]) if options["date"] else None
        except ValueError as error:
            raise CommandError(f"--date must be YYYY-MM-DD: {error}") from error
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1")
        run = run_collection_cycle(
            today=day,
            dry_run=options["dry_run"],
            batch_size=options["batch_size"],
            progress=None if options["no_progress"] else _progress,
        )
        if not options["no_progress"]:
            sys.stderr.write("\n")
        label = "dry run" if run.dry_run else "run"
        self.stdout.write(
            f"{label} {run.run_date.isoformat()}: {run.evaluated} invoices evaluated, "
            f"{run.steps} steps, {run.charges} charges, {run.letters} letters"
        )
        for step, count in sorted(run.counts.items()):
            self.stdout.write(f"  {step}: {count}")
