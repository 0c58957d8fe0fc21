"""Checks on short user-supplied text that staff read at a glance: ticket subjects, file names.

- Invisible only: a subject of zero-width spaces, joiners, format characters or blank fillers looks
  empty in the queue; it is refused like an empty one.
- Bidirectional overrides, embeddings and isolates (U+202A-U+202E, U+2066-U+2069) reorder what
  follows them: "invoice<U+202E>fdp.exe" shows as "invoiceexe.pdf". They are refused, not stripped:
  the customer learns what was wrong, and what the desk keeps is exactly what was sent (evidence).
  Message bodies are free text and keep them (right-to-left languages use them), but they are
  never shown as a name or a title.
"""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

BIDI_CONTROLS = frozenset(chr(code) for code in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)])
# Letters and symbols that render as nothing (Unicode calls them Lo/So, not format characters).
BLANK_LOOKALIKES = frozenset("\u115f\u1160\u3164\uffa0\u2800\u180e")
# Whitespace (Z*), control (Cc) and format (Cf: zero-width space, joiners, BOM) characters.
INVISIBLE_CATEGORIES = frozenset({"Zs", "Zl", "Zp", "Cc", "Cf"})


def is_invisible(text: str) -> bool:
    """True when nothing in the text would show (the empty string included)."""
    return all(
        char in BLANK_LOOKALIKES
        or char.isspace()
        or unicodedata.category(char) in INVISIBLE_CATEGORIES
        or unicodedata.category(char) == "Mn"  # a combining mark with nothing to combine with
        for char in text
    )


def has_bidi_control(text: str) -> bool:
    return not BIDI_CONTROLS.isdisjoint(text)


def validate_visible_text(value: str) -> None:
    """For a subject or a title: refuse invisible-only text and bidirectional controls."""
    if has_bidi_control(value):
        raise ValidationError(
            _("Remove the invisible text-direction characters (U+202A-U+202E, U+2066-U+2069)."), code="bidi_control"
        )
    if is_invisible(value):
        raise ValidationError(_("Write a few visible words."), code="invisible")
