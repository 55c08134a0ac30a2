"""Celery tasks of the payments app: receipts, overpayment notices, the bank drop folder.

Tasks take ids, are queued on commit and skip what is already done, so a retry or a second
delivery sends no second mail.
"""

import logging
import shutil
from pathlib import Path

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from invoices.models import InvoiceAccess
from payments.bankfiles import BankFileInvalid

logger = logging.getLogger(__name__)


def _send(*, template: str, subject: str, recipient: str, language: str, context: dict) -> None:
    with translation.override(language):
        body = render_to_string(template, {**context, "site_url": settings.SITE_URL})
        send_mail(str(subject), body, None, [recipient])


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_payment_receipt(order_id: int) -> bool:
    from payments.models import OrderState, PaymentOrder
    from payments.selectors import allocation_order_text

    with transaction.atomic():
        order = (
            PaymentOrder.objects.select_for_update(of=("self",))
            .select_related("user")
            .get(pk=order_id)
        )
        if order.receipt_sent_at is not None or order.state != OrderState.PAID:
            return False
        language = order.user.preferred_language or order.language
        lines = list(order.lines.select_related("invoice__creditor"))
        with translation.override(language):
            subject = _("Receipt for your payment")
        _send(
            template="payments/email/receipt.txt",
            subject=subject,
            recipient=order.user.email,
            language=language,
            context={
                "order": order,
                "lines": lines,
                "user": order.user,
                "allocation_text": allocation_order_text(
                    lines[0].invoice.creditor, lines[0].invoice.debtor_type
                )
                if lines
                else "",
            },
        )
        order.receipt_sent_at = timezone.now()
        order.save(update_fields=["receipt_sent_at"])
    return True


def _overpayment_recipients(overpayment) -> list[tuple[str, str]]:
    """(email, language) of whoever should hear of an overpayment: the online payer, else the
    users who added the invoice to MyRopo, else the invoice's debtor email."""
    order = overpayment.payment.order
    if order is not None:
        return [(order.user.email, order.user.preferred_language)]
    invoice = overpayment.invoice
    if invoice is None:
        return []
    users = [
        access.user
        for access in InvoiceAccess.objects.filter(invoice=invoice).select_related("user")
    ]
    if users:
        return [(user.email, user.preferred_language) for user in users]
    if invoice.debtor_email:
        return [(invoice.debtor_email, invoice.language)]
    return []


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_overpayment_notice(overpayment_id: int) -> int:
    from payments.models import Overpayment

    with transaction.atomic():
        overpayment = (
            Overpayment.objects.select_for_update(of=("self",))
            .select_related("payment__order__user", "invoice__creditor")
            .get(pk=overpayment_id)
        )
        if overpayment.notified_at is not None:
            return 0
        recipients = _overpayment_recipients(overpayment)
        for email, language in recipients:
            with translation.override(language):
                subject = _("You paid more than was owed: tell us where to refund it")
            _send(
                template="payments/email/overpayment.txt",
                subject=subject,
                recipient=email,
                language=language,
                context={"overpayment": overpayment, "invoice": overpayment.invoice},
            )
        overpayment.notified_at = timezone.now()
        overpayment.save(update_fields=["notified_at"])
    return len(recipients)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_bank_account_notice_received(notice_id: int) -> int:
    """Tell the payer (and whoever gave it) that an account was given for their refund, so
    that an account given by someone else is noticed before staff approve it."""
    from payments.models import BankAccountNotice

    notice = (
        BankAccountNotice.objects.select_related(
            "submitted_by", "overpayment__payment__order__user", "overpayment__invoice__creditor"
        )
        .filter(pk=notice_id)
        .first()
    )
    if notice is None:
        return 0
    recipients = dict(_overpayment_recipients(notice.overpayment))
    submitter = notice.submitted_by
    if not submitter.is_staff:
        recipients.setdefault(submitter.email, submitter.preferred_language)
    for email, language in recipients.items():
        with translation.override(language):
            subject = _("A bank account was given for your refund")
        _send(
            template="payments/email/notice_received.txt",
            subject=subject,
            recipient=email,
            language=language,
            context={
                "notice": notice,
                "overpayment": notice.overpayment,
                "invoice": notice.overpayment.invoice,
            },
        )
    return len(recipients)


def _move(path: Path, folder: str) -> Path:
    target_dir = path.parent / folder
    target_dir.mkdir(exist_ok=True)
    target = target_dir / path.name
    if target.exists():
        target = target_dir / f"{timezone.now():%Y%m%dT%H%M%S}-{path.name}"
    shutil.move(str(path), target)
    return target


def _fail(path: Path, reasons: list[str]) -> None:
    target = _move(path, "failed")
    target.with_name(target.name + ".errors.txt").write_text(
        "\n".join(reasons) + "\n", encoding="utf-8"
    )


@shared_task
def import_bank_drop_folder() -> dict[str, int]:
    """Imports every file in `BANK_DROP_DIR`, then moves it to `done/` or `failed/`.

    A broken file goes to `failed/` with a `.errors.txt` beside it listing each problem's
    position (or, if its import failed otherwise, the reason), and the next file is read; a
    file imported before goes to `done/` (it is not an error to receive it twice).
    """
    from payments.models import BankFileImport
    from payments.services import bank_file_import

    counts = {"imported": 0, "skipped": 0, "failed": 0}
    folder = settings.BANK_DROP_DIR
    if not folder:
        return counts
    for path in sorted(Path(folder).iterdir()):
        if not path.is_file() or path.name.startswith("."):
            continue
        try:
            report = bank_file_import(
                data=path.read_bytes(),
                filename=path.name,
                source=BankFileImport.Source.DROP_FOLDER,
            )
        except BankFileInvalid as error:
            _fail(path, [str(problem) for problem in error.problems])
            logger.warning("Bank file %s refused: %d problems", path.name, len(error.problems))
            counts["failed"] += 1
            continue
        except Exception as error:
            # Whatever went wrong with this file (the import rolled back), the files after
            # it are still imported; staff find this one in failed/ with the reason.
            logger.exception("Importing bank file %s failed", path.name)
            _fail(
                path,
                [f"file: {type(error).__name__}: {(str(error).splitlines() or [''])[0][:300]}"],
            )
            counts["failed"] += 1
            continue
        _move(path, "done")
        counts["skipped" if report.skipped_file else "imported"] += 1
    return counts
