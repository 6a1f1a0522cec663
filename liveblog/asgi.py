import os

from django.core.exceptions import ImproperlyConfigured

from liveblog.startup import check_database, fail

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liveblog.settings")

try:
    from django.core.asgi import get_asgi_application

    from liveblog.request_size import RequestSizeLimit

    # Bodies over the limit are refused before Django reads them (liveblog/request_size.py).
    application = RequestSizeLimit(get_asgi_application())
except ImproperlyConfigured as error:
    fail(str(error))

check_database()
