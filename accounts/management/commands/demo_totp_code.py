import time

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.demo import DEMO_STAFF_TOTP_SECRET


class Command(BaseCommand):
    help = "Prints the demo staff user's current TOTP code (DEBUG only)."

    def handle(self, *args, **options) -> None:
        if not settings.DEMO_DATA_ALLOWED:
            raise CommandError("Demo codes are refused when DEBUG is off.")
        counter = int(time.time()) // 30
        self.stdout.write(format_hotp_value(hotp_value(DEMO_STAFF_TOTP_SECRET, counter)))
