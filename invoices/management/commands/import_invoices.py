"""``manage.py import_invoices FILE --creditor 2331972-7 [--dry-run]``: a Finvoice or CSV file."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext, ngettext
from stdnum.fi import ytunnus

from invoices.importing import MAX_IMPORT_BYTES, ImportFailed
from invoices.importing.service import ImportResult, invoices_import
from invoices.models import Creditor

# Enough to recognise a re-sent file; the rest are summarised by their count.
SHOWN_NUMBERS = 50


def find_creditor(value: str) -> Creditor:
    """The creditor by business ID (``2331972-7``, ``23319727``) or by database id."""
    value = value.strip()
    if ytunnus.is_valid(value):
        creditor = Creditor.objects.filter(business_id=ytunnus.format(value)).first()
        if creditor is not None:
            return creditor
    if value.isdigit() and len(value) <= 18:  # beyond a bigint the database would refuse
        creditor = Creditor.objects.filter(pk=int(value)).first()
        if creditor is not None:
            return creditor
    raise CommandError(
        gettext("No creditor with the business ID or id %(value)s.") % {"value": value}
    )


def numbers_list(numbers: list[str]) -> str:
    shown = ", ".join(numbers[:SHOWN_NUMBERS])
    more = len(numbers) - SHOWN_NUMBERS
    if more > 0:
        shown += " " + ngettext("and %(count)s more", "and %(count)s more", more) % {"count": more}
    return shown


def summary(result: ImportResult) -> str:
    text = gettext("created %(created)s, skipped %(skipped)s") % {
        "created": len(result.created),
        "skipped": len(result.skipped),
    }
    if result.skipped:
        text += f" ({numbers_list(result.skipped)})"
    return text


class Command(BaseCommand):
    help = (
        "Import invoices from a Finvoice 3.0 XML or CSV file for one creditor. "
        "All or nothing: on any problem nothing is saved and every problem is listed. "
        "Invoice numbers the creditor already has are skipped."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="Finvoice XML or CSV file (see invoices/importing).")
        parser.add_argument(
            "--creditor", required=True, help="The creditor's business ID (Y-tunnus) or id."
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check the file and report what would be imported, saving nothing.",
        )

    def handle(self, *args, file: str, creditor: str, dry_run: bool, **options) -> None:
        with translation.override("en"):
            self.import_file(Path(file), find_creditor(creditor), dry_run=dry_run)

    def import_file(self, path: Path, creditor: Creditor, *, dry_run: bool) -> None:
        try:
            size = path.stat().st_size
        except OSError as error:
            raise CommandError(
                gettext("Cannot read %(file)s: %(reason)s")
                % {"file": path, "reason": error.strerror}
            ) from None
        if not path.is_file():
            raise CommandError(gettext("%(file)s is not a file.") % {"file": path})
        if size > MAX_IMPORT_BYTES:
            raise CommandError(
                gettext("%(file)s is %(size)s bytes; the largest accepted is %(limit)s bytes.")
                % {"file": path, "size": size, "limit": MAX_IMPORT_BYTES}
            )
        try:
            result = invoices_import(
                creditor=creditor, data=path.read_bytes(), filename=path.name, dry_run=dry_run
            )
        except ImportFailed as failed:
            for problem in failed.problems:
                self.stderr.write(f"{problem.position}: {problem.render(gettext)}")
            raise CommandError(
                ngettext(
                    "%(file)s was not imported: %(count)s problem.",
                    "%(file)s was not imported: %(count)s problems.",
                    len(failed.problems),
                )
                % {"file": path.name, "count": len(failed.problems)}
            ) from None
        for notice in result.notices:
            self.stdout.write(f"{notice.position}: {notice.render(gettext)}")
        prefix = gettext("Dry run, nothing saved: ") if dry_run else ""
        self.stdout.write(self.style.SUCCESS(prefix + summary(result)))
