"""Every web login form is limited per client like the token endpoint (the `auth` throttle).

django-axes stops guessing one account (per account and client); this stops one client from
trying many accounts. Both answer 429 with Retry-After.
"""

from django.conf import settings
from django.shortcuts import render
from django.utils.translation import gettext as _

from .throttling import AuthThrottle


class LoginThrottleMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "POST" and request.path in settings.LOGIN_FORM_PATHS:
            throttle = AuthThrottle()
            if not throttle.allow_request(request, None):
                wait = max(int(throttle.wait() or 60), 1)
                message = _("Too many login attempts from your connection. Try again in %(seconds)d seconds.") % {
                    "seconds": wait
                }
                response = render(request, "accounts/locked_out.html", {"message": message}, status=429)
                response["Retry-After"] = str(wait)
                return response
        return self.get_response(request)
