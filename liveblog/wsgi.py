import os

from django.core.exceptions import ImproperlyConfigured

from liveblog.startup import check_database, fail

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liveblog.settings")

try:
    from django.core.wsgi import get_wsgi_application

    application = get_wsgi_application()
except ImproperlyConfigured as error:
    fail(str(error))

check_database()
