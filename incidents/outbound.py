"""Requests this server makes to addresses people give it: a webhook's receiver, a Mastodon
server's oEmbed. Two rules hold for both: never an address on a private, loopback or link-local
network (server-side request forgery), and never a redirect followed (it could lead to one)."""

import ipaddress
import socket
import urllib.request


def non_public_address(host: str, port: int | None = None, *, allow_loopback: bool):
    """The first address `host` resolves to that is not public (loopback passes when
    `allow_loopback`, for tests), or None. LookupError when the name does not resolve."""
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except OSError:
        raise LookupError(host) from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if address.is_loopback and allow_loopback:
            continue
        if not address.is_global:
            return address
    return None


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not an invitation: it could point anywhere, a private address
    included. It comes back as an HTTPError with its 3xx status."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


# Opens a request without following redirects.
opener = urllib.request.build_opener(_NoRedirects)
