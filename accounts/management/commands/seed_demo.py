from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.demo import DEMO_STAFF_TOTP_SECRET, PERSONAS, persona_ensure


class Command(BaseCommand):
    help = "Creates the demo personas and their data (idempotent; refused when DEBUG is off)."

    def handle(self, *args, **options) -> None:
        if not settings.DEMO_DATA_ALLOWED:
            raise CommandError("Demo data is refused when DEBUG is off.")
        for persona in PERSONAS:
            _, created = persona_ensure(persona)
            state = "created" if created else "exists"
            self.stdout.write(f"  {persona.email:<24} {persona.password:<26} ({state})")
        self.stdout.write(f"  staff TOTP secret: {DEMO_STAFF_TOTP_SECRET}")
        for hook in seed_hooks():
            hook(self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))


def seed_hooks() -> list:
    """Each app that has demo data exposes `demo.seed(stdout)`; later apps join this list."""
    from invoices import demo as invoices_demo

    return [invoices_demo.seed]
