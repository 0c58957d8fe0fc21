"""The secret guard: text in, redacted text and findings out. Pure Python, no database, no I/O
after import (the BIP39 wordlists load once, into dicts).

Inbound, `redact()` replaces what a customer must never have pasted (a seed phrase, a private key,
an API secret, a 2FA code) with a marker before anything is stored. Outbound, `outbound_problems()`
names what an agent's reply, macro or template asks a customer for that support never asks for.

Decisions (DOMAIN.md "Secrets users paste" and "Collisions"):
- Shape alone decides nothing where shapes collide. Checksums decide (BIP39, base58check for WIF,
  extended keys and XRP seeds); a Solana secret key is 64 bytes whose second half is the ed25519
  public key of the first, which a transaction signature (also 64 bytes) never is; a bare 64-hex
  string (a txid, an ETH hash) is a private key only next to words that say so.
- A run of 12 or more words of one BIP39 wordlist is redacted even without a valid checksum
  ("likely": a phrase with a typo is still a phrase); a valid checksum makes it "certain". Chinese
  wordlists are single characters, so a run needs separators between them: Chinese prose is made
  of the same common characters and is never a run.
- The stored marker is English with the kind ("[redacted: seed phrase]"): it is part of the
  evidence record, the same in every export; what the customer reads about it is translated
  (`warning_for()`).
- The original never leaves this module: findings carry the kind and certainty, never the text.
"""

import json
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from hashlib import sha256

import base58
from Crypto.PublicKey import ECC
from django.utils.translation import gettext as _
from mnemonic import Mnemonic

CERTAIN = "certain"
LIKELY = "likely"

SEED_PHRASE = "seed_phrase"
WIF_KEY = "wif_private_key"
EXTENDED_KEY = "extended_private_key"
HEX_KEY = "hex_private_key"
SOLANA_KEY = "solana_secret_key"
XRP_SEED = "xrp_seed"
API_SECRET = "api_secret"
OTP_CODE = "otp_code"

# English on purpose: the marker is part of the stored record (see the module docstring).
MARKERS = {
    SEED_PHRASE: "[redacted: seed phrase]",
    WIF_KEY: "[redacted: private key]",
    EXTENDED_KEY: "[redacted: extended private key]",
    HEX_KEY: "[redacted: private key]",
    SOLANA_KEY: "[redacted: Solana secret key]",
    XRP_SEED: "[redacted: XRP secret]",
    API_SECRET: "[redacted: API secret]",
    OTP_CODE: "[redacted: 2FA code]",
}

# Fields that hold validated identifiers (a txid, an address, an order id): their shapes are the
# look-alikes of keys, and their own validators already refuse anything else.
IDENTIFIER_FIELDS = frozenset({"txid", "address", "order_id"})


@dataclass(frozen=True, slots=True)
class Finding:
    kind: str
    certainty: str


@dataclass(frozen=True, slots=True)
class Redaction:
    text: str
    findings: list[Finding] = field(default_factory=list)

    @property
    def found(self) -> bool:
        return bool(self.findings)

    @property
    def kinds(self) -> list[str]:
        return sorted({finding.kind for finding in self.findings})


# --- BIP39 wordlists ---------------------------------------------------------------------------
# The ten official BIP39 lists (bips/bip-0039/bip-0039-wordlists.md); `mnemonic` also ships Russian
# and Turkish lists that are not part of the standard and no wallet generates.
BIP39_LANGUAGES = (
    "english",
    "japanese",
    "korean",
    "spanish",
    "chinese_simplified",
    "chinese_traditional",
    "french",
    "italian",
    "czech",
    "portuguese",
)
CJK_LANGUAGES = frozenset({"chinese_simplified", "chinese_traditional"})
SEED_LENGTHS = (24, 21, 18, 15, 12)
MIN_RUN = 12


def _key(word: str) -> str:
    word = word.lower()
    return word if word.isascii() else unicodedata.normalize("NFKD", word)


def _bare(key: str) -> str:
    # Accents dropped: "eleve" typed for French "élève". Japanese keeps its (semi-)voiced marks.
    return unicodedata.normalize("NFC", re.sub(r"[\u0300-\u036f]", "", key))


def _load_wordlists() -> tuple[dict[str, int], dict[str, dict[str, int]]]:
    """{word: bitmask of languages}, {language: {word: index}} with exact and accent-free keys."""
    masks: dict[str, int] = {}
    indexes: dict[str, dict[str, int]] = {}
    for bit, language in enumerate(BIP39_LANGUAGES):
        words = Mnemonic(language).wordlist
        index: dict[str, int] = {}
        bare_seen: dict[str, int] = {}
        for position, word in enumerate(words):
            exact = _key(word)
            index[exact] = position
            bare = _bare(exact)
            bare_seen[bare] = -1 if bare in bare_seen and bare_seen[bare] != position else position
        for bare, position in bare_seen.items():
            if position >= 0:
                index.setdefault(bare, position)
        indexes[language] = index
        for word in index:
            masks[word] = masks.get(word, 0) | (1 << bit)
    return masks, indexes


WORD_MASKS, WORD_INDEXES = _load_wordlists()
CJK_MASK = sum(1 << BIP39_LANGUAGES.index(language) for language in CJK_LANGUAGES)

# A word: letters with their combining marks (text pasted in NFD keeps its accents).
WORD = re.compile(r"(?:[^\W\d_]|[\u0300-\u036f\u3099-\u309c])+")
# What may stand between two words of a phrase: spaces (U+3000 too), newlines, commas, numbering
# ("1.", "2)", "#3", "(4)"), bullets and quotes. A sentence's words ("the", "is") break a run.
GAP = re.compile(r"[\s,;:.|/\\\-–—、，；：·•*\"'`()\[\]{}<>#\d]{0,16}")


def _checksum_valid(indexes: list[int]) -> bool:
    bits = "".join(format(i, "011b") for i in indexes)
    checksum_length = len(bits) // 33
    entropy_bits = bits[: len(bits) - checksum_length]
    entropy = int(entropy_bits, 2).to_bytes(len(entropy_bits) // 8, "big")
    digest = format(sha256(entropy).digest()[0], "08b")
    return digest[:checksum_length] == bits[len(entropy_bits) :]


def _runs(text: str) -> list[tuple[int, int, str]]:
    """Spans of MIN_RUN or more consecutive words of one wordlist: (start, end, certainty)."""
    tokens = [(m.start(), m.end(), _key(m.group())) for m in WORD.finditer(text)]
    masks = [WORD_MASKS.get(word, 0) for _start, _end, word in tokens]
    if len(masks) - masks.count(0) < MIN_RUN:
        return []
    found: list[tuple[int, int, str]] = []
    # Per language, the run being built: the list of token positions.
    current: dict[int, list[int]] = {}
    previous_end = None

    def close(bit: int, positions: list[int]) -> None:
        if len(positions) < MIN_RUN:
            return
        language = BIP39_LANGUAGES[bit]
        index = WORD_INDEXES[language]
        numbers = [index[tokens[p][2]] for p in positions]
        certainty = LIKELY
        for length in SEED_LENGTHS:
            if any(_checksum_valid(numbers[i : i + length]) for i in range(len(numbers) - length + 1)):
                certainty = CERTAIN
                break
        found.append((tokens[positions[0]][0], tokens[positions[-1]][1], certainty))

    for position, (start, end, _word) in enumerate(tokens):
        mask = masks[position]
        if not mask and not current:
            previous_end = end
            continue
        joined = previous_end is not None and GAP.fullmatch(text, previous_end, start) is not None
        if mask & CJK_MASK and joined and previous_end == start:
            mask &= ~CJK_MASK  # two Chinese characters with nothing between: prose, not a phrase
        for bit in list(current):
            if not (joined and mask >> bit & 1):
                close(bit, current.pop(bit))
        while mask:
            low = mask & -mask
            bit = low.bit_length() - 1
            current.setdefault(bit, []).append(position)
            mask ^= low
        previous_end = end
    for bit, positions in current.items():
        close(bit, positions)
    return found


# --- Keys --------------------------------------------------------------------------------------
B58 = "1-9A-HJ-NP-Za-km-z"
WIF = re.compile(rf"(?<![{B58}])[5KL9c][{B58}]{{50,51}}(?![{B58}])")
EXTENDED = re.compile(rf"(?<![{B58}])[xyztuvYZUV]prv[{B58}]{{100,108}}(?![{B58}])")
SOLANA_B58 = re.compile(rf"(?<![{B58}])[{B58}]{{80,90}}(?![{B58}])")
XRP_ALPHABET = "rpshnaf39wBUDNEGHJKLM4PQRST7VWXYZ2bcdeCg65jkm8oFqi1tuvAxyz"
XRP_SEED_SHAPE = re.compile(rf"(?<![{XRP_ALPHABET}])s[{XRP_ALPHABET}]{{24,31}}(?![{XRP_ALPHABET}])")
BYTE_ARRAY = re.compile(r"\[\s*\d{1,3}(?:\s*,\s*\d{1,3}){63}\s*,?\s*\]")
HEX64 = re.compile(r"(?<![0-9A-Za-z])(?:0x)?[0-9a-fA-F]{64}(?![0-9A-Za-z])")

# Words that say the thing after them is a secret (within SECRET_CONTEXT characters before it).
SECRET_WORDS = re.compile(
    r"private[\s_-]*key|priv[\s_-]*key|privkey|secret|seed|私钥|密钥|秘钥|助记词|秘密",
    re.IGNORECASE,
)
SECRET_CONTEXT = 48
API_SECRET_VALUE = re.compile(
    r"(?:api[\s_-]*secret|secret[\s_-]*key|api[\s_-]*私钥|api[\s_-]*密钥|api[\s_-]*秘钥|密钥|secret)"
    r"(?:\s*(?:is|was|=|:|：|是|为))?[\s:=：\"'`]*"
    r"([A-Za-z0-9+/=_\-]{16,128})(?![A-Za-z0-9+/=_\-])",
    re.IGNORECASE,
)
OTP_WORDS = r"(?:2fa|two[\s-]*factor|google\s*authenticator|authenticator|otp|totp|验证码|谷歌验证|动态码|二次验证)"
OTP_AFTER = re.compile(
    OTP_WORDS
    + r"(?:\s*(?:app|code|codes|码))?(?:\s*(?:is|was|now|shows|=|:|：|是|为|显示))*[\s:=：\"'`]*"
    + r"(?<!\d)(\d{6}|\d{3}[ -]\d{3})(?![\d.,]?\d)",
    re.IGNORECASE,
)
OTP_WORD = re.compile(OTP_WORDS, re.IGNORECASE)
SIX_DIGITS = re.compile(r"\d{3}[ -]?\d{3}")
OTP_BEFORE = re.compile(
    r"(?<![\d.,])(\d{6}|\d{3}[ -]\d{3})(?!\d)\s*(?:is\s+)?(?:my|the)?\s*" + OTP_WORDS,
    re.IGNORECASE,
)


def _b58check(value: str, alphabet: bytes = base58.BITCOIN_ALPHABET) -> bytes | None:
    try:
        return base58.b58decode_check(value, alphabet=alphabet)
    except ValueError:
        return None


def _is_wif(value: str) -> bool:
    payload = _b58check(value)
    if payload is None or payload[0] not in (0x80, 0xEF):
        return False
    return len(payload) == 33 or (len(payload) == 34 and payload[-1] == 0x01)


def _is_extended_private(value: str) -> bool:
    payload = _b58check(value)
    # 4 version bytes, depth, fingerprint, child number, chain code, then 0x00 + the 32-byte key.
    return payload is not None and len(payload) == 78 and payload[45] == 0x00


def _is_xrp_seed(value: str) -> bool:
    payload = _b58check(value, alphabet=base58.XRP_ALPHABET)
    if payload is None:
        return False
    # secp256k1 family seeds: 0x21 + 16 bytes ("s…"); ed25519 seeds: 01 E1 4B + 16 bytes ("sEd…").
    return (len(payload) == 17 and payload[0] == 0x21) or (len(payload) == 19 and payload[:3] == b"\x01\xe1\x4b")


@lru_cache(maxsize=256)
def _is_solana_keypair(raw: bytes) -> bool:
    """64 bytes whose second half is the ed25519 public key of the first: a keypair, never a
    signature (whose halves are unrelated)."""
    if len(raw) != 64:
        return False
    try:
        key = ECC.construct(curve="Ed25519", seed=raw[:32])
    except ValueError:
        return False
    return key.public_key().export_key(format="raw") == raw[32:]


def _secret_context(text: str, start: int) -> bool:
    return SECRET_WORDS.search(text, max(0, start - SECRET_CONTEXT), start) is not None


def _key_spans(text: str) -> list[tuple[int, int, str, str]]:
    spans: list[tuple[int, int, str, str]] = []
    for match in WIF.finditer(text):
        if _is_wif(match.group()):
            spans.append((match.start(), match.end(), WIF_KEY, CERTAIN))
    for match in EXTENDED.finditer(text):
        if _is_extended_private(match.group()):
            spans.append((match.start(), match.end(), EXTENDED_KEY, CERTAIN))
    for match in XRP_SEED_SHAPE.finditer(text):
        if _is_xrp_seed(match.group()):
            spans.append((match.start(), match.end(), XRP_SEED, CERTAIN))
    for match in SOLANA_B58.finditer(text):
        try:
            raw = base58.b58decode(match.group())
        except ValueError:
            continue
        if len(raw) != 64:
            continue
        if _is_solana_keypair(raw):
            spans.append((match.start(), match.end(), SOLANA_KEY, CERTAIN))
        elif _secret_context(text, match.start()):
            spans.append((match.start(), match.end(), SOLANA_KEY, LIKELY))
    if "[" in text:
        for match in BYTE_ARRAY.finditer(text):
            try:
                numbers = json.loads(match.group())
            except ValueError:
                continue
            if len(numbers) == 64 and all(0 <= n <= 255 for n in numbers):
                certain = _is_solana_keypair(bytes(numbers))
                spans.append((match.start(), match.end(), SOLANA_KEY, CERTAIN if certain else LIKELY))
    for match in HEX64.finditer(text):
        if _secret_context(text, match.start()):
            spans.append((match.start(), match.end(), HEX_KEY, LIKELY))
    lowered = text.lower()
    if not any(word in lowered for word in ("secret", "密钥", "秘钥", "私钥")):
        return spans
    for match in API_SECRET_VALUE.finditer(text):
        value = match.group(1)
        # A real secret mixes digits and letters; "secret: pleaseresetmyaccountnow" does not.
        if any(c.isdigit() for c in value) and any(c.isalpha() for c in value):
            spans.append((match.start(1), match.end(1), API_SECRET, LIKELY))
    return spans


def _otp_spans(text: str) -> list[tuple[int, int, str, str]]:
    if not (SIX_DIGITS.search(text) and OTP_WORD.search(text)):
        return []
    return [
        (match.start(1), match.end(1), OTP_CODE, LIKELY)
        for pattern in (OTP_AFTER, OTP_BEFORE)
        for match in pattern.finditer(text)
    ]


def redact(text: str, *, context_field: str | None = None) -> Redaction:
    """The text with every secret replaced by its marker, and what was found (kind, certainty).
    `context_field` names the field the text comes from: identifier fields are left alone."""
    if not text or context_field in IDENTIFIER_FIELDS:
        return Redaction(text or "")
    spans = _key_spans(text) + _otp_spans(text)
    spans.extend((start, end, SEED_PHRASE, certainty) for start, end, certainty in _runs(text))
    if not spans:
        return Redaction(text)
    # Longest first at the same start; a span inside one already taken is dropped.
    spans.sort(key=lambda span: (span[0], -span[1]))
    kept: list[tuple[int, int, str, str]] = []
    for span in spans:
        if kept and span[0] < kept[-1][1]:
            if span[1] > kept[-1][1]:
                previous = kept[-1]
                kept[-1] = (previous[0], span[1], previous[2], previous[3])
            continue
        kept.append(span)
    parts: list[str] = []
    cursor = 0
    for start, end, kind, _certainty in kept:
        parts.append(text[cursor:start])
        parts.append(MARKERS[kind])
        cursor = end
    parts.append(text[cursor:])
    return Redaction("".join(parts), [Finding(kind, certainty) for _s, _e, kind, certainty in kept])


def redact_many(values: dict[str, str]) -> tuple[dict[str, str], list[str], list[str]]:
    """Each field redacted with its name as context: the texts with their secrets replaced by
    markers, the kinds found and the fields they were in. Pure Python."""
    cleaned: dict[str, str] = {}
    kinds: set[str] = set()
    fields: list[str] = []
    for name, value in values.items():
        result = redact(value, context_field=name)
        cleaned[name] = result.text
        if result.findings:
            kinds.update(result.kinds)
            fields.append(name)
    return cleaned, sorted(kinds), fields


def warning_for(kinds: list[str]) -> str:
    """What the customer reads at once, in the active language: the secret is compromised, and
    what to do now."""
    wallet = {SEED_PHRASE, WIF_KEY, EXTENDED_KEY, HEX_KEY, SOLANA_KEY, XRP_SEED}
    lines = [
        _(
            "You sent us something secret. We removed it before saving your message, and our staff "
            "cannot see it, but treat it as compromised: anyone who saw it may be able to use it."
        )
    ]
    if wallet & set(kinds):
        lines.append(
            _("Move your funds now to a new wallet with a new seed phrase or key, and stop using the exposed one.")
        )
    if API_SECRET in kinds:
        lines.append(_("Delete that API key in your account settings now and create a new one."))
    if OTP_CODE in kinds:
        lines.append(_("Change your password and check that your two-factor authentication is still yours."))
    lines.append(
        _(
            "We will never ask for your seed phrase, private keys, passwords or 2FA codes; "
            "our security team has been told."
        )
    )
    return " ".join(lines)
