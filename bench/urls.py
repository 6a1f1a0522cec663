from django.http import HttpResponse
from django.urls import path

from liveblog.urls import urlpatterns as project_urlpatterns


def minimal(request):
    """The floor for the poll benchmark: a Django view that does nothing at all."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/minimal", minimal), *project_urlpatterns]
