"""`manage.py import_bank_payments FILE…`: import ISO 20022 camt.054 reference payments."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from payments.bankfiles import BankFileInvalid
from payments.models import BankFileImport
from payments.services import bank_file_import


class Command(BaseCommand):
    help = "Import camt.054 bank files: match payments by reference, queue the rest for staff."

    def add_arguments(self, parser) -> None:
        parser.add_argument("files", nargs="+", type=Path)

    def handle(self, *args, files: list[Path], **options) -> None:
        failed = False
        for path in files:
            try:
                data = path.read_bytes()
            except OSError as error:
                raise CommandError(f"{path}: {error.strerror}") from None
            try:
                report = bank_file_import(
                    data=data, filename=path.name, source=BankFileImport.Source.COMMAND
                )
            except BankFileInvalid as error:
                failed = True
                self.stderr.write(f"{path}: not imported, nothing was saved:")
                for problem in error.problems:
                    self.stderr.write(f"  {problem}")
                continue
            if report.skipped_file:
                seen = report.already_imported
                self.stdout.write(
                    f"{path}: already imported on {seen.imported_at:%Y-%m-%d %H:%M} "
                    f"(message {seen.message_id}); skipped"
                )
                continue
            self.stdout.write(
                f"{path}: {report.entries} payments, {report.matched} matched, "
                f"{report.unmatched} to the staff queue, {report.duplicates} already imported"
            )
        if failed:
            raise CommandError("Some files were not imported.")
