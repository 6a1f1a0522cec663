import os

from django.core.exceptions import ImproperlyConfigured

from liveblog.startup import check_database, fail

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liveblog.settings")

try:
    from django.core.asgi import get_asgi_application

    application = get_asgi_application()
except ImproperlyConfigured as error:
    fail(str(error))

check_database()
