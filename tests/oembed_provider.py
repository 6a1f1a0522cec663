"""A stand-in oEmbed provider on 127.0.0.1 for the social-post cards' "Fill in from the link":
X's answer at /oembed, a Mastodon server's at /api/oembed, and the ways a provider fails."""

import contextlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class Provider(BaseHTTPRequestHandler):
    asked: list = []

    def do_GET(self):  # noqa: N802 - http.server's name
        parts = urlsplit(self.path)
        Provider.asked.append((parts.path, parse_qs(parts.query)))
        if parts.path == "/slow":
            time.sleep(2)
        if parts.path == "/fail":
            self.send_response(500)
            self.end_headers()
            return
        if parts.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
            self.end_headers()
            return
        if parts.path == "/junk":
            body = b"<html>not json</html>"
        elif parts.path == "/api/oembed":  # a Mastodon server's
            body = json.dumps(
                {
                    "author_name": "Matt",
                    "author_url": f"http://{self.headers['Host']}/@matt",
                    "html": '<iframe src="x"></iframe>',
                    "title": "",
                }
            ).encode()
        else:  # X's shape
            body = json.dumps(
                {
                    "author_name": "Matt O'Brien",
                    "author_url": "https://twitter.com/mattobrien",
                    "html": '<blockquote class="twitter-tweet"><p lang="en">Twitter is down '
                    "&amp; so is TweetDeck<br>for many</p>&mdash; Matt O&#39;Brien (@mattobrien) "
                    '<a href="https://twitter.com/mattobrien/status/1">November 25, 2026</a>'
                    "</blockquote>",
                }
            ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serving():
    """The provider on a free port, for as long as the block runs: yields its address."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), Provider)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
