"""The bare baseline's ASGI application (bench/bare.py): `uvicorn bench.bare_asgi:application`."""

import os

from django.core.asgi import get_asgi_application

os.environ["DJANGO_SETTINGS_MODULE"] = "bench.bare"

application = get_asgi_application()
