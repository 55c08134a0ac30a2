"""Per-creditor API keys: shown once, kept only as a SHA-256 hash, scoped, revocable.

A key reads `mr_<prefix>_<secret>`: the prefix (public, unique) finds the row, the secret's
hash is compared in constant time. The secret has 256 bits of entropy, so a plain SHA-256 is
enough (a slow hash protects guessable passwords, not random keys) and keeps every call cheap.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from invoices.models import Creditor

KEY_START = "mr_"


class CreditorApiKey(models.Model):
    creditor = models.ForeignKey(
        Creditor, on_delete=models.CASCADE, related_name="api_keys", verbose_name=_("creditor")
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("key prefix"), max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    can_read = models.BooleanField(_("read"), default=True)
    can_write = models.BooleanField(_("write"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(can_read=True) | models.Q(can_write=True),
                name="creditor_api_key_some_scope",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({KEY_START}{self.prefix}_…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def scopes(self) -> list[str]:
        return [s for s, on in (("read", self.can_read), ("write", self.can_write)) if on]


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedKey:
    key: CreditorApiKey
    plaintext: str  # shown once on the page, never stored


def issue_key(
    *, creditor: Creditor, actor, name: str, can_read: bool, can_write: bool
) -> IssuedKey:
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    key = CreditorApiKey.objects.create(
        creditor=creditor,
        name=name,
        prefix=prefix,
        secret_hash=_hash(secret),
        can_read=can_read,
        can_write=can_write,
        created_by=actor,
    )
    return IssuedKey(key=key, plaintext=f"{KEY_START}{prefix}_{secret}")


def key_for(plaintext: str) -> CreditorApiKey | None:
    """The active key `plaintext` names, or None (unknown, malformed, wrong secret, revoked)."""
    if not plaintext.startswith(KEY_START):
        return None
    prefix, sep, secret = plaintext[len(KEY_START) :].partition("_")
    if not sep or not secret or len(prefix) > 16:
        return None
    key = (
        CreditorApiKey.objects.select_related("creditor")
        .filter(prefix=prefix, revoked_at__isnull=True)
        .first()
    )
    if key is None or not hmac.compare_digest(key.secret_hash, _hash(secret)):
        return None
    return key


def touch(key: CreditorApiKey) -> None:
    now = timezone.now()
    CreditorApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    key.last_used_at = now


def revoke_key(key: CreditorApiKey) -> bool:
    """Revokes once; False when it already was."""
    with transaction.atomic():
        return bool(
            CreditorApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(
                revoked_at=timezone.now()
            )
        )
