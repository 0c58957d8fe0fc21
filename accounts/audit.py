"""The Django admin's history (LogEntry) written outside the admin, so admin and API/desk changes
read as one history. `admin_log` is the one writer every app uses; `account_event` is its form for
account changes an admin can see: a LogEntry on the user, shown in the admin's history of that
user (and in the admin's recent actions of whoever made it). Never the secret itself: a new
password, a code or a token is not written, only that it changed."""

import json

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import models

from .models import User


def admin_log(*, actor: User, obj: models.Model, flag: int, message: str | list) -> LogEntry:
    """One LogEntry on `obj` by `actor`, as the admin writes it (`LogEntryManager.log_actions`):
    the object's own content type (a proxy model's, not its concrete model's), its pk as text, its
    repr cut to 200 characters. A list is the admin's structured change message
    (ModelAdmin.construct_change_message), stored as JSON as the admin stores it; a string as it is."""
    return LogEntry.objects.create(
        user_id=actor.pk,
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        action_flag=flag,
        change_message=json.dumps(message) if isinstance(message, list) else message,
    )


def account_event(*, user: User, actor: User | None, message: str) -> LogEntry:
    """`actor` is who did it (the user themselves, or an admin); None for a link from an e-mail."""
    return admin_log(actor=actor or user, obj=user, flag=CHANGE, message=message)
