"""Strict readers of the environment: a bad value stops start-up, naming the variable."""

import ipaddress
import os
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false, yes/no), not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None


def env_choice(name: str, choices: list[str], default: str) -> str:
    """One of `choices`, as written (surrounding spaces aside); empty or unset gives `default`."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    if raw.strip() not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}, not {raw!r}")
    return raw.strip()


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_database(name: str, default: str) -> dict:
    import dj_database_url

    raw = os.environ.get(name) or default
    scheme = raw.split(":", 1)[0]
    if scheme not in {"sqlite", "postgres", "postgresql", "pgsql"}:
        raise ImproperlyConfigured(
            f"{name} must be a sqlite:/// or postgres:// URL, not one starting {scheme!r}"
        )
    try:
        return dj_database_url.parse(raw, conn_max_age=0)
    except Exception as exc:  # dj-database-url raises several kinds for a malformed URL
        raise ImproperlyConfigured(f"{name} is malformed: {exc}") from None


def env_addresses(name: str, default: list[str]) -> list[str]:
    """Comma-separated IP addresses or networks (10.0.0.0/8), or "*" for any."""
    addresses = env_list(name, default)
    for address in addresses:
        if address == "*":
            continue
        try:
            ipaddress.ip_network(address, strict=False)
        except ValueError:
            raise ImproperlyConfigured(
                f"{name} must list IP addresses or networks, not {address!r}"
            ) from None
    return addresses


def env_origins(name: str, default: list[str]) -> list[str]:
    """Comma-separated web origins, each a scheme and host with an optional port and nothing
    after (https://news.example.com, http://127.0.0.1:8123), as a CSP source names them."""
    origins = env_list(name, default)
    for origin in origins:
        try:
            parts = urlsplit(origin)
            parts.port  # noqa: B018 - raises ValueError for a port that is not one
        except ValueError:
            parts = None
        if (
            parts is None
            or parts.scheme not in {"http", "https"}
            or not parts.hostname
            or parts.path not in {"", "/"}
            or parts.query
            or parts.fragment
            or parts.username
            or any(char in origin for char in " ;'\"")
        ):
            raise ImproperlyConfigured(
                f"{name} must list origins such as https://news.example.com, not {origin!r}"
            )
    return [origin.rstrip("/") for origin in origins]


# Email: one URL says where mail goes, read into Django's MAILERS entry. The scheme picks the
# backend; smtp:// asks for STARTTLS with ?tls=1, smtps:// is TLS from the first byte; console:
# prints each message, file:///path writes one file per message (development).
_EMAIL_BACKENDS = {
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "smtps": "django.core.mail.backends.smtp.EmailBackend",
    "console": "django.core.mail.backends.console.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
}


def env_email(name: str, default: str, *, timeout: int) -> dict:
    """EMAIL_URL as a MAILERS entry, e.g. smtp://user:pass@mail.example.com:587/?tls=1 or
    smtps://user:pass@mail.example.com:465. The user name and password are percent-decoded
    ("@" in a user name is written %40)."""
    import urllib.parse

    raw = os.environ.get(name) or default
    try:
        parts = urllib.parse.urlsplit(raw)
        port = parts.port
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} is malformed: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in _EMAIL_BACKENDS:
        raise ImproperlyConfigured(
            f"{name} must start with smtp://, smtps://, console: or file://, not {raw[:20]!r}"
        )
    mailer = {"BACKEND": _EMAIL_BACKENDS[scheme]}
    if scheme == "file":
        if not parts.path:
            raise ImproperlyConfigured(f"{name} must name a folder: file:///path/to/folder")
        mailer["OPTIONS"] = {"file_path": urllib.parse.unquote(parts.path)}
    if scheme not in ("smtp", "smtps"):
        return mailer
    if not parts.hostname:
        raise ImproperlyConfigured(f"{name} must name the mail server: smtp://host:port")
    tls = (urllib.parse.parse_qs(parts.query).get("tls") or ["0"])[-1].strip().lower()
    if tls not in _TRUE | _FALSE:
        raise ImproperlyConfigured(f"{name}'s tls must be 1 or 0, not {tls!r}")
    mailer["OPTIONS"] = {
        "host": parts.hostname,
        "port": port or (465 if scheme == "smtps" else 25),
        "username": urllib.parse.unquote(parts.username or ""),
        "password": urllib.parse.unquote(parts.password or ""),
        "use_ssl": scheme == "smtps",
        "use_tls": scheme == "smtp" and tls in _TRUE,
        "timeout": timeout,
    }
    return mailer
