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

from .models import User
from .roles import ROLE_GROUP_ATTRIBUTE, ROLE_ORDER


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
    """The token, its user, the user's customer profile and role group in one statement whose SQL
    is written once per process. Building it with the ORM on every request (select_related plus
    the role subquery) cost about a fifth of a ticket creation's CPU in the web process; the
    instances are built from the row with `from_db`, as the ORM's own iterator builds them."""

    def __init__(self) -> None:
        self._sql: dict[str, str] = {}
        self._converters: dict[str, list[tuple[int, list]]] = {}

    @staticmethod
    def _columns(model, alias: str, quote) -> list[str]:
        return [f"{alias}.{quote(field.column)}" for field in model._meta.concrete_fields]

    def sql(self, connection) -> str:
        if connection.vendor not in self._sql:
            from .models import CustomerProfile

            quote = connection.ops.quote_name
            memberships = User.groups.through._meta
            group_table = User.groups.field.related_model._meta.db_table
            names = ", ".join(f"'{name}'" for name in ROLE_ORDER)
            ranks = " ".join(f"WHEN '{name}' THEN {rank}" for rank, name in enumerate(ROLE_ORDER))
            role = (
                f"(SELECT g.{quote('name')} FROM {quote(group_table)} g"
                f" INNER JOIN {quote(memberships.db_table)} m ON g.{quote('id')} = m.{quote('group_id')}"
                f" WHERE m.{quote('user_id')} = t.{quote('user_id')} AND g.{quote('name')} IN ({names})"
                f" ORDER BY CASE g.{quote('name')} {ranks} ELSE {len(ROLE_ORDER)} END LIMIT 1)"
            )
            columns = ", ".join(
                self._columns(Token, "t", quote)
                + self._columns(User, "u", quote)
                + self._columns(CustomerProfile, "p", quote)
                + [role]
            )
            self._sql[connection.vendor] = (
                f"SELECT {columns} FROM {quote(Token._meta.db_table)} t"
                f" INNER JOIN {quote(User._meta.db_table)} u ON u.{quote('id')} = t.{quote('user_id')}"
                f" LEFT OUTER JOIN {quote(CustomerProfile._meta.db_table)} p"
                f" ON p.{quote('user_id')} = u.{quote('id')}"
                f" WHERE t.{quote('key')} = %s"
            )
        return self._sql[connection.vendor]

    def _models(self):
        from .models import CustomerProfile

        return (Token, User, CustomerProfile)

    def converters(self, connection) -> list[tuple[int, list]]:
        """The backend's value converters per column (e.g. SQLite's text to an aware datetime), as
        the ORM's compiler applies them."""
        if connection.vendor not in self._converters:
            found = []
            fields = [field for model in self._models() for field in model._meta.concrete_fields]
            for position, field in enumerate(fields):
                column = field.get_col(field.model._meta.db_table)
                backend = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
                if backend:
                    found.append((position, [(converter, column) for converter in backend]))
            self._converters[connection.vendor] = found
        return self._converters[connection.vendor]

    def __call__(self, key: str) -> Token | None:
        from django.db import connections, router

        alias = router.db_for_read(Token)
        connection = connections[alias]
        with connection.cursor() as cursor:
            cursor.execute(self.sql(connection), [key])
            row = cursor.fetchone()
        if row is None:
            return None
        row = list(row)
        for position, converters in self.converters(connection):
            value = row[position]
            for converter, column in converters:
                value = converter(value, column, connection)
            row[position] = value
        models = self._models()
        instances = []
        offset = 0
        for model in models:
            fields = model._meta.concrete_fields
            values = row[offset : offset + len(fields)]
            offset += len(fields)
            instances.append(model.from_db(alias, [field.attname for field in fields], values))
        token, user, profile = instances
        if profile.pk is None:
            # No profile row (staff): the reverse one-to-one is known to be empty.
            profile = None
        user._state.fields_cache["customer_profile"] = profile
        user.__dict__[ROLE_GROUP_ATTRIBUTE] = row[offset]
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
