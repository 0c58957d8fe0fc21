"""The project's URLs plus two views that fail, for the error page tests."""

from django.core.exceptions import PermissionDenied
from django.urls import path

from support_desk.urls import handler403, handler404, handler500  # noqa: F401 - the handlers under test
from support_desk.urls import urlpatterns as project_urlpatterns


def forbidden(request):
    raise PermissionDenied


def broken(request):
    raise RuntimeError("a bug")


urlpatterns = [
    path("test-errors/403/", forbidden),
    path("test-errors/500/", broken),
    path("api/v1/test-errors/500/", broken),
    *project_urlpatterns,
]
