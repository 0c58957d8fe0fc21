"""The active categories as ticket creation reads them: this process's copy (support_desk.versioned),
reloaded when a category or a team changes, so filing a ticket looks its category up without a
statement. Each lookup returns a copy: a request may not change the process's shared instances."""

import copy

from support_desk.versioned import VersionedSnapshot

from .models import Category, Team

VERSION_KEY = "tickets:categories-version"


def _load(version: str) -> dict[str, Category]:
    return {
        category.code: category for category in Category.objects.filter(is_active=True).select_related("default_team")
    }


_active = VersionedSnapshot(VERSION_KEY, _load)


def active_category(code: str) -> Category | None:
    """The active category with this code, with its default team, or None."""
    shared = _active.get().get(code)
    if shared is None:
        return None
    category = copy.copy(shared)
    category._state = copy.copy(shared._state)
    category._state.fields_cache = {"default_team": copy.copy(shared.default_team)}
    return category


def connect_signals() -> None:
    """Called from TicketsConfig.ready(): a category or team saved or deleted anywhere (the admin,
    a shell, a migration's model) reloads the copy."""
    _active.reload_on_change(Category, Team)
