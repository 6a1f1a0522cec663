import os

from django.core.exceptions import ImproperlyConfigured

from liveblog.startup import check_database, fail

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liveblog.settings")

try:
    import django

    django.setup(set_prefix=False)

    from liveblog.middleware import Handler
    from liveblog.request_size import RequestSizeLimit

    # Bodies over the limit are refused before Django reads them (liveblog/request_size.py);
    # the middleware run their hooks on the event loop (liveblog/middleware.py).
    application = RequestSizeLimit(Handler())
except ImproperlyConfigured as error:
    fail(str(error))

check_database()
