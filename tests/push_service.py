"""A stand-in push service on 127.0.0.1, as strict as the real ones about what it accepts, and
a stand-in browser subscribed to it (tests/test_push.py).

The service takes a message for a subscription only with a VAPID `Authorization` header whose
JWT is signed (ES256) by the key the browser subscribed with, for this service's origin, not
expired, naming a mailto: or https: contact; and it decrypts the body (aes128gcm, RFC 8291) with
the browser's private key and auth secret, as the browser would. It keeps what it decrypted, and
answers 201, or the next of the answers a test lined up for that subscription (404 and 410 say
the subscription is gone, 500 asks for a retry, "hang" answers too late).
"""

import base64
import contextlib
import json
import os
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, utils
from django.urls import reverse


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Browser:
    """A browser's push subscription: the endpoint the service gave it, and its own keys."""

    endpoint: str
    private_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    auth: bytes = field(default_factory=lambda: os.urandom(16))

    @property
    def token(self) -> str:
        return self.endpoint.rsplit("/", 1)[1]

    def subscription(self) -> dict:
        """What `PushSubscription.toJSON()` gives the page."""
        point = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {
            "endpoint": self.endpoint,
            "expirationTime": None,
            "keys": {"p256dh": b64(point), "auth": b64(self.auth)},
        }


class Refused(Exception):
    pass


def verified_claims(authorization: str, server_key: str, audience: str) -> dict:
    """The JWT's claims, once its signature, audience, expiry and subject are checked."""
    scheme, _, params = authorization.partition(" ")
    if scheme.lower() != "vapid":
        raise Refused(f"not a VAPID authorization: {scheme}")
    parts = dict(part.strip().split("=", 1) for part in params.split(","))
    if parts.get("k") != server_key:
        raise Refused("signed with a key the subscription was not made with")
    header, claims, signature = parts["t"].split(".")
    if json.loads(unb64(header)) != {"typ": "JWT", "alg": "ES256"}:
        raise Refused("not an ES256 JWT")
    raw = unb64(signature)
    if len(raw) != 64:
        raise Refused("an ES256 signature is 64 bytes")
    der = utils.encode_dss_signature(
        int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")
    )
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64(server_key))
    try:
        public.verify(der, f"{header}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise Refused("bad signature") from None
    found = json.loads(unb64(claims))
    if found.get("aud") != audience:
        raise Refused(f"for another audience: {found.get('aud')}")
    if not time.time() < found.get("exp", 0) <= time.time() + 24 * 3600:
        raise Refused("expired, or valid for more than a day")
    if not str(found.get("sub", "")).startswith(("mailto:", "https:")):
        raise Refused("no contact (sub)")
    return found


class PushService:
    def __init__(self):
        self.browsers: dict[str, Browser] = {}
        self.answers: dict[str, list] = {}
        self.received: list[dict] = []  # what was accepted: {"token", "payload", "headers"}
        self.refused: list[str] = []
        self.server_key = ""  # the VAPID public key browsers subscribed with
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"

    def browser(self) -> Browser:
        browser = Browser(f"{self.origin}/push/{b64(os.urandom(12))}")
        self.browsers[browser.token] = browser
        return browser

    def answer(self, browser: Browser, *answers) -> None:
        self.answers.setdefault(browser.token, []).extend(answers)

    def payloads(self, browser: Browser | None = None) -> list[dict]:
        return [
            got["payload"]
            for got in self.received
            if browser is None or got["token"] == browser.token
        ]

    def reset(self) -> None:
        self.browsers.clear()
        self.answers.clear()
        self.received.clear()
        self.refused.clear()

    def take(self, token: str, headers: dict, body: bytes) -> int:
        browser = self.browsers.get(token)
        if browser is None:
            return 404
        try:
            verified_claims(headers.get("authorization", ""), self.server_key, self.origin)
            if headers.get("content-encoding") != "aes128gcm":
                raise Refused("not aes128gcm")
            if not headers.get("ttl", "").isdigit():
                raise Refused("no TTL")
            plain = http_ece.decrypt(
                body, private_key=browser.private_key, auth_secret=browser.auth
            )
        except (Refused, ValueError, KeyError) as error:
            self.refused.append(str(error))
            return 403 if isinstance(error, Refused) else 400
        queued = self.answers.get(token)
        answer = queued.pop(0) if queued else 201
        if answer == "hang":
            time.sleep(2)
            return 201
        if answer == 201:
            self.received.append({"token": token, "payload": json.loads(plain), "headers": headers})
        return answer

    def _handler(self):
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                headers = {k.lower(): v for k, v in self.headers.items()}
                status = service.take(self.path.rsplit("/", 1)[1], headers, body)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        return Handler


@contextlib.contextmanager
def serving():
    service = PushService()
    thread = threading.Thread(target=service.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield service
    finally:
        service.server.shutdown()
        service.server.server_close()


SAME_SITE = {"Sec-Fetch-Site": "same-origin"}


def subscribe(client, story, subscription, events="key", headers=SAME_SITE):
    return client.post(
        reverse("reader:push_subscribe", args=[story.slug]),
        json.dumps({"subscription": subscription, "events": events}),
        content_type="application/json",
        headers=headers,
    )
