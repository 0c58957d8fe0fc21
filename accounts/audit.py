"""Account changes an admin can see: a LogEntry on the user, shown in the admin's history of that
user (and in the admin's recent actions of whoever made it). Never the secret itself: a new
password, a code or a token is not written, only that it changed."""

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType

from .models import User


def account_event(*, user: User, actor: User | None, message: str) -> LogEntry:
    """`actor` is who did it (the user themselves, or an admin); None for a link from an e-mail."""
    return LogEntry.objects.create(
        user_id=(actor or user).pk,
        content_type=ContentType.objects.get_for_model(User, for_concrete_model=False),
        object_id=str(user.pk),
        object_repr=str(user)[:200],
        action_flag=CHANGE,
        change_message=message,
    )
