"""API tokens: issued at `auth/token/`, valid for `API_TOKEN_MAX_AGE_DAYS` (30) after issue,
revoked by `auth/logout/` and by any change of the user's password."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import connections, router, transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from support_desk.compiled_insert import apply_converters

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


class _TokenLookup:
    """The token, its user, the user's customer profile and role group in one statement: the
    ORM's own query (select_related plus with_role_group's subquery), compiled once per database
    and process, then run with each request's key. Building and compiling it on every request
    cost about a fifth of a ticket creation's CPU in the web process. The rows are turned into
    instances as the ORM's iterator does: the compiler's converters, then `from_db` per model."""

    _KEY = "\x00token-key\x00"  # a placeholder no real key equals: its parameter is the key's slot

    def __init__(self) -> None:
        self._compiled: dict[str, tuple] = {}

    def _compile(self, alias: str) -> tuple:
        """The SQL, its parameters, the key's position, the converters, and per model (token,
        user, profile) its class and the row positions and attribute names of its columns. Only
        data is kept, not the compiler: it holds the connection of the thread that compiled it."""
        if alias not in self._compiled:
            query = with_role_group(Token.objects.select_related("user__customer_profile"), user_field="user_id")
            compiler = query.filter(key=self._KEY).query.get_compiler(alias)
            sql, params = compiler.as_sql()
            converters = list(compiler.get_converters([column for column, _sql, _alias in compiler.select]).items())
            token_info = compiler.klass_info
            user_info = token_info["related_klass_infos"][0]
            models = [
                (
                    info["model"],
                    info["select_fields"],
                    [compiler.select[position][0].target.attname for position in info["select_fields"]],
                )
                for info in (token_info, user_info, user_info["related_klass_infos"][0])
            ]
            role_at = compiler.annotation_col_map[ROLE_GROUP_ATTRIBUTE]
            self._compiled[alias] = (sql, list(params), params.index(self._KEY), converters, models, role_at)
        return self._compiled[alias]

    def __call__(self, key: str) -> Token | None:
        alias = router.db_for_read(Token)
        sql, params, key_at, converters, models, role_at = self._compile(alias)
        params = [*params[:key_at], key, *params[key_at + 1 :]]
        connection = connections[alias]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        row = list(row)
        apply_converters(row, converters, connection)
        token, user, profile = (
            model.from_db(alias, names, [row[position] for position in positions]) for model, positions, names in models
        )
        # No profile row (staff): the reverse one-to-one is known to be empty, as select_related says.
        user._state.fields_cache["customer_profile"] = profile if profile.pk is not None else None
        user.__dict__[ROLE_GROUP_ATTRIBUTE] = row[role_at]
        token._state.fields_cache["user"] = user
        return token


_token_lookup = _TokenLookup()


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
