"""The server's VAPID key pair for Web Push (RFC 8292): how it is made, written and checked.

A push service accepts a message only when it is signed with the private key whose public half
the reader's browser was given when it subscribed. Both halves are kept in the environment as
the browsers and pywebpush expect them: base64url without padding, the private key as its raw
32-byte number, the public key as its 65-byte uncompressed point. `VAPID_SUBJECT` is how a push
service reaches the site's operator: a mailto: or https: address.
"""

import base64
import binascii
import re

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

NAMES = ("VAPID_PRIVATE_KEY", "VAPID_PUBLIC_KEY", "VAPID_SUBJECT")
SUBJECT_PATTERN = re.compile(r"^(mailto:[^@\s]+@[^@\s]+|https://[^\s/]+\S*)$")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def public_key_of(private_key: str) -> str:
    """The public half of a private key given as base64url. ValueError when it is not one."""
    try:
        raw = _unb64(private_key.strip())
    except (binascii.Error, ValueError):
        raise ValueError("not base64url") from None
    if len(raw) != 32:
        raise ValueError("not a 32-byte P-256 private key")
    key = ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())
    point = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return _b64(point)


def new_keys(subject: str) -> dict[str, str]:
    """A fresh key pair, as the three environment variables."""
    key = ec.generate_private_key(ec.SECP256R1())
    private = _b64(key.private_numbers().private_value.to_bytes(32, "big"))
    return {
        "VAPID_PRIVATE_KEY": private,
        "VAPID_PUBLIC_KEY": public_key_of(private),
        "VAPID_SUBJECT": subject,
    }


def problems(private_key: str, public_key: str, subject: str) -> list[str]:
    """What is wrong with these three settings, as sentences naming the variable; none when all
    three are empty (push is off) or all three are right."""
    if not (private_key or public_key or subject):
        return []
    given = zip(NAMES, (private_key, public_key, subject), strict=True)
    missing = [name for name, value in given if not value]
    if missing:
        return [f"{', '.join(missing)} must be set too: push needs all three VAPID settings."]
    found = []
    try:
        derived = public_key_of(private_key)
    except ValueError as error:
        found.append(f"VAPID_PRIVATE_KEY is not a VAPID private key ({error}).")
    else:
        if derived != public_key.strip().rstrip("="):
            found.append("VAPID_PUBLIC_KEY is not the public half of VAPID_PRIVATE_KEY.")
    if not SUBJECT_PATTERN.match(subject):
        found.append(f"VAPID_SUBJECT must be a mailto: or https: address, not {subject!r}.")
    return found
