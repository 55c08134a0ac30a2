from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.demo import DEMO_STAFF_TOTP_SECRET, PERSONAS, persona_ensure
from payments import demo


class Command(BaseCommand):
    # Here, in the highest app the demo data needs (accounts' personas, invoices and their
    # payments), so that no lower app imports upwards (STYLE.md "Layout").
    help = "Creates the demo personas and their data (idempotent; refused when DEBUG is off)."

    def handle(self, *args, **options) -> None:
        if not settings.DEMO_DATA_ALLOWED:
            raise CommandError("Demo data is refused when DEBUG is off.")
        for persona in PERSONAS:
            _, created = persona_ensure(persona)
            state = "created" if created else "exists"
            self.stdout.write(f"  {persona.email:<24} {persona.password:<26} ({state})")
        self.stdout.write(f"  staff TOTP secret: {DEMO_STAFF_TOTP_SECRET}")
        demo.seed(self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
