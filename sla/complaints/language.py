"""The language a complaint is written in: detected from its text (lingua), among the languages
the desk ships, else the customer's profile language.

Regulators want the answer in the complaint's language (MiCA), which is not always the profile's:
a customer with an English profile may well write in Chinese. lingua's models load lazily per
language (a few hundred milliseconds on first use), so the detector is built once per process,
on the first complaint, for the shipped languages plus a few neighbours that keep a Japanese or
Korean text from being taken for Chinese; nothing of it runs on the ticket creation path unless the
ticket is a complaint.
"""

from functools import lru_cache

from django.conf import settings

# Detected language -> the desk's language code (None: not one the desk writes in).
_SHIPPED = {"ENGLISH": "en", "CHINESE": "zh-hans"}
_NEIGHBOURS = ("JAPANESE", "KOREAN", "FRENCH", "GERMAN", "SPANISH", "RUSSIAN")
# Below this confidence the profile's language is kept (short or mixed texts).
MIN_CONFIDENCE = 0.5


@lru_cache(maxsize=1)
def _detector():
    from lingua import Language, LanguageDetectorBuilder

    languages = [getattr(Language, name) for name in (*_SHIPPED, *_NEIGHBOURS)]
    return LanguageDetectorBuilder.from_languages(*languages).build()


def shipped_languages() -> set[str]:
    return {code.lower() for code, _name in settings.LANGUAGES}


def detect_language(text: str, *, fallback: str) -> str:
    """The desk language `text` is written in, else `fallback` (when it is one the desk ships,
    else the site's default)."""
    shipped = shipped_languages()
    fallback = fallback.lower() if fallback and fallback.lower() in shipped else settings.LANGUAGE_CODE
    text = (text or "").strip()
    if not text:
        return fallback
    confidences = _detector().compute_language_confidence_values(text)
    if not confidences:
        return fallback
    best = confidences[0]
    code = _SHIPPED.get(best.language.name)
    if code is None or code not in shipped or best.value < MIN_CONFIDENCE:
        return fallback
    return code
