"""Bearer tokens for the JSON API."""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils.timezone import now


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True, user__is_active=True)


class ApiToken(models.Model):
    """A bearer token for the JSON API. Only a hash is stored; the token is shown once."""

    PREFIX = "lb_"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, blank=True)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    hint = models.CharField(max_length=12, editable=False, help_text="The token's first letters")
    created_at = models.DateTimeField(default=now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.hint}… for {self.user}"

    @staticmethod
    def hash(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    @classmethod
    def issue(cls, user, name: str = "") -> tuple["ApiToken", str]:
        raw = cls.PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, key_hash=cls.hash(raw), hint=raw[:10])
        return token, raw

    @classmethod
    def authenticate(cls, raw: str):
        if not raw or not raw.startswith(cls.PREFIX):
            return None
        token = cls.objects.active().select_related("user").filter(key_hash=cls.hash(raw)).first()
        if token:
            cls.objects.filter(pk=token.pk).update(last_used_at=now())
        return token

    def revoke(self) -> None:
        if not self.revoked_at:
            self.revoked_at = now()
            self.save(update_fields=["revoked_at"])
