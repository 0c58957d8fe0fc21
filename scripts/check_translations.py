"""Fail when the Simplified Chinese catalogue is incomplete or its compiled .mo is out of date.

Checks locale/zh_Hans/LC_MESSAGES/django.po (or the .po given as argv[1]):

* every msgid has a non-empty msgstr (every msgstr[n] for plural entries);
* no entry, the header included, carries the ``fuzzy`` flag;
* django.mo sits beside the .po and holds what the .po holds (see below on its age).

Pure Python and standard library only, so CI needs neither GNU gettext nor polib.

About the age check: ``git clone``/``checkout`` writes django.mo before django.po, so in a
fresh checkout the .mo is usually a few microseconds "older" than the .po even though nothing
is stale. A .mo that is older than the .po therefore only fails when its messages differ from
the .po's; pass --strict-mtime to fail on age alone. A .mo whose messages differ from the .po
fails whatever its age (a .po edited without running compilemessages). Of the header, only
Content-Type, Language and Plural-Forms are compared: msgfmt rewrites the rest.

Exit status: 0 when all is well, 1 when a problem is found, 2 when a file cannot be read.
"""

import argparse
import re
import struct
import sys
from dataclasses import dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_PO = BASE_DIR / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"

RUNTIME_HEADER_FIELDS = {"Content-Type", "Language", "Plural-Forms"}
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}


class PoSyntaxError(Exception):
    pass


@dataclass
class Entry:
    line: int
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)

    @property
    def is_header(self) -> bool:
        return self.msgid == "" and self.msgctxt is None

    @property
    def is_fuzzy(self) -> bool:
        return "fuzzy" in self.flags

    @property
    def is_translated(self) -> bool:
        return bool(self.msgstr) and all(self.msgstr.values())

    def mo_key(self) -> str:
        key = self.msgid if self.msgid_plural is None else f"{self.msgid}\x00{self.msgid_plural}"
        return key if self.msgctxt is None else f"{self.msgctxt}\x04{key}"

    def mo_value(self) -> str:
        return "\x00".join(self.msgstr[n] for n in sorted(self.msgstr))


def _unquote(text: str, path: Path, number: int) -> str:
    text = text.strip()
    if len(text) < 2 or text[0] != '"' or text[-1] != '"':
        raise PoSyntaxError(f"{path}:{number}: expected a quoted string, got {text!r}")
    body, out, i = text[1:-1], [], 0
    while i < len(body):
        char = body[i]
        if char != "\\":
            out.append(char)
            i += 1
            continue
        nxt = body[i + 1 : i + 2]
        if nxt in _ESCAPES:
            out.append(_ESCAPES[nxt])
            i += 2
        elif nxt and nxt in "01234567":
            octal = nxt
            while len(octal) < 3 and body[i + 1 + len(octal) : i + 2 + len(octal)] in tuple("01234567"):
                octal += body[i + 1 + len(octal)]
            out.append(chr(int(octal, 8)))
            i += 1 + len(octal)
        else:
            raise PoSyntaxError(f"{path}:{number}: bad escape in {text!r}")
    return "".join(out)


def parse_po(path: Path) -> list[Entry]:
    """The live (non-obsolete) entries of a .po file, in file order."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int] | None = None  # the string a continuation line extends
    flags: set[str] = set()  # flags of the comment block above the next entry
    first_line = 0

    def flush() -> None:
        nonlocal current, target
        if current is not None:
            if not current.msgstr:
                raise PoSyntaxError(f"{path}:{current.line}: entry without msgstr")
            entries.append(current)
        current, target = None, None

    for number, raw in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#~"):  # blank, or obsolete (neither compiled nor checked)
            flush()
            continue
        if line.startswith("#"):
            if current is not None and current.msgstr:
                flush()  # a comment after a msgstr begins the next entry
            if line.startswith("#,"):
                flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
            first_line = first_line or number
            continue
        keyword, _, rest = line.partition(" ")
        if keyword in ("msgctxt", "msgid") and (current is None or current.msgstr):
            flush()
            current = Entry(line=first_line or number, flags=flags)
            flags, first_line = set(), 0
        if current is None:
            raise PoSyntaxError(f"{path}:{number}: {raw!r} outside an entry")
        if keyword in ("msgctxt", "msgid", "msgid_plural"):
            setattr(current, keyword, _unquote(rest, path, number))
            target = (keyword, 0)
        elif keyword == "msgstr" or re.fullmatch(r"msgstr\[\d+\]", keyword):
            index = 0 if keyword == "msgstr" else int(keyword[7:-1])
            current.msgstr[index] = _unquote(rest, path, number)
            target = ("msgstr", index)
        elif line.startswith('"') and target is not None:
            name, index = target
            text = _unquote(line, path, number)
            if name == "msgstr":
                current.msgstr[index] += text
            else:
                setattr(current, name, getattr(current, name) + text)
        else:
            raise PoSyntaxError(f"{path}:{number}: cannot parse {raw!r}")
    flush()
    return entries


def read_mo(path: Path) -> dict[str, str]:
    """The catalogue of a GNU .mo file: key (context\\x04msgid[\\x00plural]) -> msgstr(s)."""
    data = path.read_bytes()
    if len(data) < 20:
        raise ValueError(f"{path}: too short to be a .mo file")
    magic = struct.unpack("<I", data[:4])[0]
    if magic == 0x950412DE:
        order = "<"
    elif magic == 0xDE120495:
        order = ">"
    else:
        raise ValueError(f"{path}: not a .mo file (bad magic number)")
    _revision, count, originals, translations = struct.unpack(order + "4I", data[4:20])
    catalogue = {}
    for i in range(count):
        olen, ooff = struct.unpack(order + "2I", data[originals + 8 * i : originals + 8 * i + 8])
        tlen, toff = struct.unpack(order + "2I", data[translations + 8 * i : translations + 8 * i + 8])
        key = data[ooff : ooff + olen].decode("utf-8")
        catalogue[key] = data[toff : toff + tlen].decode("utf-8")
    return catalogue


def _runtime_header(header: str) -> dict[str, str]:
    fields = {}
    for line in header.splitlines():
        name, sep, value = line.partition(":")
        if sep and name.strip() in RUNTIME_HEADER_FIELDS:
            fields[name.strip()] = " ".join(value.split())
    return fields


def _short(text: str, limit: int = 70) -> str:
    text = text.replace("\n", "\\n")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def check(po_path: Path, *, strict_mtime: bool = False) -> list[str]:
    problems: list[str] = []
    entries = parse_po(po_path)
    for entry in entries:
        label = "the header" if entry.is_header else f"msgid {_short(entry.msgid)!r}"
        if entry.is_fuzzy:
            problems.append(f"{po_path}:{entry.line}: {label} is marked fuzzy")
        if not entry.is_header and not entry.is_translated:
            problems.append(f"{po_path}:{entry.line}: {label} has an empty msgstr")

    mo_path = po_path.with_suffix(".mo")
    if not mo_path.exists():
        problems.append(f"{mo_path}: missing; run `manage.py compilemessages`")
        return problems

    # What msgfmt would compile: translated, non-fuzzy entries (and the header).
    # msgfmt rewrites the header (it drops POT-Creation-Date, for one), so of the header only
    # the fields that change how the catalogue is read are compared.
    expected = {e.mo_key(): e.mo_value() for e in entries if e.is_translated and (e.is_header or not e.is_fuzzy)}
    try:
        actual = read_mo(mo_path)
    except (ValueError, UnicodeDecodeError, struct.error) as error:
        problems.append(f"{mo_path}: unreadable ({error}); run `manage.py compilemessages`")
        return problems
    for catalogue in (expected, actual):
        if "" in catalogue:
            catalogue[""] = _runtime_header(catalogue[""])
    differs = [key for key in expected.keys() | actual.keys() if expected.get(key) != actual.get(key)]
    older = mo_path.stat().st_mtime_ns < po_path.stat().st_mtime_ns

    if differs:
        sample = ", ".join(
            repr(_short(key.split("\x04")[-1].split("\x00")[0] or "<header>", 40)) for key in sorted(differs)[:3]
        )
        problems.append(
            f"{mo_path}: does not match the .po ({len(differs)} message(s) differ, e.g. {sample}); "
            "run `manage.py compilemessages`"
        )
    elif older and strict_mtime:
        problems.append(f"{mo_path}: older than {po_path.name}; run `manage.py compilemessages`")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("po", nargs="?", type=Path, default=DEFAULT_PO, help=f"default: {DEFAULT_PO}")
    parser.add_argument(
        "--strict-mtime",
        action="store_true",
        help="also fail when the .mo is older than the .po even though it holds the same messages",
    )
    args = parser.parse_args(argv)
    try:
        problems = check(args.po, strict_mtime=args.strict_mtime)
        count = sum(1 for entry in parse_po(args.po) if not entry.is_header)
    except (OSError, UnicodeDecodeError, PoSyntaxError) as error:
        print(f"check_translations: {error}", file=sys.stderr)
        return 2
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"check_translations: {len(problems)} problem(s) found", file=sys.stderr)
        return 1
    print(f"check_translations: {args.po}: {count} message(s) translated, .mo up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
