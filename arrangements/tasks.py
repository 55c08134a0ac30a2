"""Celery tasks of the arrangements app: the daily plan check and the plan mails."""

import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage, send_mail
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


def _recipient(plan) -> str:
    person = plan.on_behalf_of or plan.actor
    return person.email if person else ""


@shared_task
def check_plans() -> dict:
    """Every active plan, once a day: completed, a missed installment's notice, or lapsed.
    Safe to run twice a day: each outcome happens once (see `plan_check`)."""
    from arrangements.selectors import active_plans
    from arrangements.services import plan_check

    today = timezone.localdate()
    counts: dict[str, int] = {}
    for plan in active_plans().select_related("creditor", "actor", "on_behalf_of").iterator():
        outcome = plan_check(plan=plan, today=today)
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_missed_installment_notice(installment_id: int) -> bool:
    from arrangements.models import Installment
    from arrangements.selectors import plan_progress

    installment = Installment.objects.select_related(
        "plan__creditor", "plan__actor", "plan__on_behalf_of"
    ).get(pk=installment_id)
    plan = installment.plan
    recipient = _recipient(plan)
    if not recipient:
        return False
    # The amount the plan page asks for this installment (the last one carries the interest).
    status = next(
        row
        for row in plan_progress(plan, today=timezone.localdate()).rows
        if row.installment.pk == installment.pk
    )
    with translation.override(plan.language):
        body = render_to_string(
            "arrangements/email/missed_installment.txt",
            {
                "plan": plan,
                "installment": installment,
                "amount": status.amount,
                "site": settings.SITE_URL,
            },
        )
        send_mail(_("A payment plan installment is unpaid"), body, None, [recipient])
    return True


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_plan_confirmation(plan_id: int) -> bool:
    from arrangements.models import PaymentPlan
    from arrangements.pdf import plan_pdf_bytes, plan_pdf_filename

    plan = PaymentPlan.objects.select_related("creditor", "actor", "on_behalf_of").get(pk=plan_id)
    recipient = _recipient(plan)
    if not recipient:
        return False
    with translation.override(plan.language):
        body = render_to_string(
            "arrangements/email/plan_confirmation.txt", {"plan": plan, "site": settings.SITE_URL}
        )
        mail = EmailMessage(_("Your payment plan"), body, None, [recipient])
        mail.attach(plan_pdf_filename(plan), plan_pdf_bytes(plan), "application/pdf")
        mail.send()
    return True
