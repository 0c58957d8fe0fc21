"""API tokens: issued at `auth/token/`, valid for `API_TOKEN_MAX_AGE_DAYS` (30) after issue,
revoked by `auth/logout/` and by any change of the user's password."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from support_desk.compiled_query import CompiledQuery

from .models import User
from .roles import ROLE_GROUP_ATTRIBUTE, with_role_group


def token_max_age() -> timedelta:
    return timedelta(days=settings.API_TOKEN_MAX_AGE_DAYS)


def token_expired(token: Token, *, now: datetime) -> bool:
    return token.created <= now - token_max_age()


@transaction.atomic
def token_issue(*, user: User, now: datetime) -> Token:
    """The user's token; an expired one is replaced by a new key."""
    token = Token.objects.select_for_update().filter(user=user).first()
    if token is not None and token_expired(token, now=now):
        token.delete()
        token = None
    if token is None:
        token = Token.objects.create(user=user)
    return token


def token_revoke(*, user: User) -> int:
    deleted, _by_model = Token.objects.filter(user=user).delete()
    return deleted


# The token, its user, the user's customer profile and role group in one statement: the ORM's own
# query (select_related plus with_role_group's subquery), compiled once per database and process,
# then run with each request's key. Building and compiling it on every request cost about a fifth
# of a ticket creation's CPU in the web process.
_TOKEN_BY_KEY = CompiledQuery(
    lambda key: with_role_group(Token.objects.select_related("user__customer_profile"), user_field="user_id").filter(
        key=key
    )[:1],
    key=str,
)


def _token_lookup(key: str) -> Token | None:
    row = _TOKEN_BY_KEY.first(key=key)
    if row is None:
        return None
    token, user, profile = row.instances
    # No profile row (staff): the reverse one-to-one is known to be empty, as select_related says.
    user._state.fields_cache["customer_profile"] = profile if profile.pk is not None else None
    user.__dict__[ROLE_GROUP_ATTRIBUTE] = row.annotations[ROLE_GROUP_ATTRIBUTE]
    token._state.fields_cache["user"] = user
    return token


class ExpiringTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`, refused once the token is older than its lifetime."""

    def authenticate_credentials(self, key):
        # DRF's own lookup, with the user's profile and role in the same statement.
        token = _token_lookup(key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        user = token.user
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        if token_expired(token, now=timezone.now()):
            token.delete()
            raise exceptions.AuthenticationFailed(_("This token has expired. Ask for a new one."))
        return user, token


@receiver(post_save, sender=User, dispatch_uid="accounts.revoke_tokens_on_password_change")
def _revoke_tokens_on_password_change(sender, instance: User, created: bool, **kwargs) -> None:
    # set_password() keeps the raw password in _password until the save that stores the hash.
    if not created and getattr(instance, "_password", None) is not None:
        token_revoke(user=instance)
