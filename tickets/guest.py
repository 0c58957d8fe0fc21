"""Guest access: a customer who cannot log in gets a signed, expiring link to one ticket."""

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from accounts.models import User

SALT = "tickets.guest-link"


@dataclass(frozen=True)
class GuestAccess:
    """request.auth for a guest: the one ticket the link opens."""

    ticket_id: int


def guest_token(*, ticket_id: int, user_id: int) -> str:
    return signing.dumps({"t": ticket_id, "u": user_id}, salt=SALT, compress=True)


def read_guest_token(token: str) -> tuple[int, int]:
    try:
        data = signing.loads(token, salt=SALT, max_age=settings.GUEST_LINK_MAX_AGE)
    except signing.SignatureExpired as error:
        raise exceptions.AuthenticationFailed(_("This link has expired. Ask for a new one.")) from error
    except signing.BadSignature as error:
        raise exceptions.AuthenticationFailed(_("This link is not valid. Ask for a new one.")) from error
    return int(data["t"]), int(data["u"])


class GuestTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Guest <token>` — acts as the ticket's requester, for that ticket only."""

    keyword = "Guest"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("This link is not valid. Ask for a new one."))
        ticket_id, user_id = read_guest_token(header[1].decode(errors="replace"))
        user = User.objects.filter(pk=user_id, is_active=True).first()
        if user is None:
            raise exceptions.AuthenticationFailed(_("This link is not valid. Ask for a new one."))
        return user, GuestAccess(ticket_id=ticket_id)

    def authenticate_header(self, request) -> str:
        return self.keyword
