"""Demo personas for `make run` (never in production: seed_demo refuses when DEBUG is off)."""

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.db import transaction

from accounts.models import User

# A fixed base32 secret so that the README can tell how to add the demo staff to an
# authenticator app (or `manage.py demo_totp_code` prints the current code).
DEMO_STAFF_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # noqa: S105  (demo only)


@dataclass(frozen=True)
class Persona:
    email: str
    password: str
    first_name: str
    last_name: str
    language: str = "fi"
    is_staff: bool = False
    totp: bool = False


PERSONAS = [
    Persona("consumer@myropo.test", "Demo-Kuluttaja-2026", "Maija", "Meikäläinen"),
    Persona("company@myropo.test", "Demo-Yritys-2026", "Kalle", "Kirjanpitäjä"),
    # The creditor portal asks for a second factor, like the admin: the same demo secret.
    Persona(
        "creditor@myropo.test", "Demo-Velkoja-2026", "Veera", "Velkoja", language="en", totp=True
    ),
    Persona(
        "staff@myropo.test",
        "Demo-Asiakaspalvelu-2026",
        "Saara",
        "Palvelu",
        is_staff=True,
        totp=True,
    ),
]


@transaction.atomic
def persona_ensure(persona: Persona) -> tuple[User, bool]:
    user, created = User.objects.get_or_create(
        email=persona.email,
        defaults={
            "first_name": persona.first_name,
            "last_name": persona.last_name,
            "preferred_language": persona.language,
            "is_staff": persona.is_staff,
            "is_superuser": persona.is_staff,
        },
    )
    if created:
        user.set_password(persona.password)
        user.save(update_fields=["password"])
    EmailAddress.objects.update_or_create(
        user=user, email=persona.email, defaults={"verified": True, "primary": True}
    )
    if (
        persona.totp
        and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    ):
        TOTP.activate(user, DEMO_STAFF_TOTP_SECRET)
    return user, created
