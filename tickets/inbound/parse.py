"""An inbound e-mail read with the standard library (policy=default): who sent it, to which
address, what it answers, whether a machine sent it, the text to show and its attachments.

Pure functions: bytes in, a ParsedEmail out; no database.
"""

import re
from dataclasses import dataclass, field
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr
from html.parser import HTMLParser

# A desk ticket reference ([SD-XXXX-XXXX-XXXX]) named in a subject.
SUBJECT_REFERENCE = re.compile(r"\bSD-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}\b", re.I)
MESSAGE_ID = re.compile(r"<([^<>\s]{1,250})>")
AUTOMATED_SENDERS = re.compile(r"^(mailer-daemon|postmaster|no-?reply|bounces?)([+@.-]|$)", re.I)
BULK_PRECEDENCE = {"bulk", "junk", "list", "auto_reply", "auto-reply"}


class InvalidEmail(ValueError):
    """Not an e-mail the desk can read (no sender, not RFC 822 at all)."""


@dataclass
class MailAttachment:
    name: str
    content_type: str
    data: bytes


@dataclass
class ParsedEmail:
    message_id: str
    from_address: str
    from_name: str
    recipients: list[str]
    subject: str
    replied_ids: list[str]  # In-Reply-To, then References (newest first), without angle brackets
    body: str  # the text to show: quoted history trimmed
    full_body: str  # the whole text part, history included
    automated: str = ""  # why it is a machine's mail ("" for a person's)
    attachments: list[MailAttachment] = field(default_factory=list)

    @property
    def subject_references(self) -> list[str]:
        return [match.upper() for match in SUBJECT_REFERENCE.findall(self.subject)]


def _address(value: str) -> str:
    return parseaddr(value)[1].strip().lower()


def _header(message: EmailMessage, name: str) -> str:
    try:
        value = message.get(name)
    except Exception:  # noqa: BLE001 - a malformed header reads as absent
        return ""
    return " ".join(str(value).split()) if value is not None else ""


def automated_reason(message: EmailMessage, sender: str) -> str:
    """Why this mail is a machine's (an auto-reply, a bounce, a list): never a ticket, never answered."""
    auto_submitted = _header(message, "Auto-Submitted").lower()
    if auto_submitted and auto_submitted.split(";")[0].strip() != "no":
        return "auto_submitted"
    if _header(message, "Precedence").lower() in BULK_PRECEDENCE:
        return "precedence"
    for name in ("X-Autoreply", "X-Autorespond"):
        if _header(message, name):
            return name.lower()
    if message.get_content_type() == "multipart/report" or message.get_content_type() == "message/delivery-status":
        return "delivery_report"
    if not sender or AUTOMATED_SENDERS.match(sender.split("@")[0]):
        return "automated_sender"
    if _header(message, "List-Id") or _header(message, "List-Unsubscribe"):
        return "mailing_list"
    return ""


class _HtmlText(HTMLParser):
    """HTML to plain text: block elements break lines, scripts and styles are dropped."""

    BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table", "hr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0
        self.quote = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "head"):
            self.skip += 1
        elif tag == "blockquote":
            self.quote += 1
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in ("script", "style", "head") and self.skip:
            self.skip -= 1
        elif tag == "blockquote" and self.quote:
            self.quote -= 1
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if self.skip:
            return
        if self.quote:  # quoted history in HTML mail: marked as in text mail
            data = "\n".join(f"> {line}" if line.strip() else line for line in data.split("\n"))
        self.parts.append(data)


def html_to_text(html: str) -> str:
    parser = _HtmlText()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # noqa: BLE001 - broken HTML: what was read so far
        pass
    lines = [" ".join(line.split()) for line in "".join(parser.parts).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# Where quoted history starts: "On <date>, <name> wrote:", its Chinese form, Outlook's separators.
_QUOTE_HEADERS = [
    re.compile(r"^\s*On\b.{0,300}\bwrote:\s*$", re.I | re.S),
    re.compile(r"^\s*在.{0,300}(写道|寫道)\s*[:：]\s*$", re.S),
    re.compile(r"^\s*-{2,}\s*(Original Message|原始邮件|原始郵件)\s*-{2,}\s*$", re.I),
    re.compile(r"^\s*_{10,}\s*$"),  # Outlook's rule above "From: … Sent: …"
]
_OUTLOOK_FROM = re.compile(r"^\s*(From|发件人|寄件者)\s*[:：]")
_OUTLOOK_SENT = re.compile(r"^\s*(Sent|Date|发送时间|寄件日期)\s*[:：]")


def trim_quoted(text: str) -> str:
    """The new part of a reply: from the first line of quoted history on, nothing is shown (the
    raw message keeps it). A mail that is all quote keeps its text."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    cut = len(lines)
    for index, line in enumerate(lines):
        # "On Mon, 1 Dec 2026 at 10:00, Desk <support@…>" may wrap before "wrote:".
        joined = " ".join(part.strip() for part in lines[index : index + 3])
        if line.lstrip().startswith(">"):
            cut = index
            break
        if any(pattern.match(line) for pattern in _QUOTE_HEADERS):
            cut = index
            break
        if line.strip() and _QUOTE_HEADERS[0].match(joined) and line.lstrip().lower().startswith("on "):
            cut = index
            break
        if _OUTLOOK_FROM.match(line) and any(_OUTLOOK_SENT.match(later) for later in lines[index + 1 : index + 4]):
            cut = index
            break
    kept = "\n".join(lines[:cut]).rstrip()
    # A signature separator at the end of what is kept is left as it is (the customer's own).
    return kept.strip() if kept.strip() else text.strip()


def _text_of(part: EmailMessage) -> str:
    try:
        content = part.get_content()
    except Exception:  # noqa: BLE001 - unknown charset or broken encoding: decoded leniently
        payload = part.get_payload(decode=True) or b""
        content = payload.decode("utf-8", errors="replace")
    return content if isinstance(content, str) else content.decode("utf-8", errors="replace")


def _bodies(message: EmailMessage) -> tuple[str, list[MailAttachment]]:
    plain = html = None
    attachments: list[MailAttachment] = []
    for part in message.walk():
        if part.is_multipart():
            continue
        content_type = part.get_content_type()
        disposition = part.get_content_disposition()
        filename = part.get_filename()
        if (
            disposition == "attachment"
            or (filename and disposition != "inline")
            or (filename and not content_type.startswith("text/"))
        ):
            data = part.get_payload(decode=True) or b""
            if content_type == "message/rfc822" and not data:
                inner = part.get_payload()
                data = inner[0].as_bytes() if isinstance(inner, list) and inner else b""
            attachments.append(MailAttachment(name=filename or "attachment", content_type=content_type, data=data))
        elif content_type == "text/plain" and plain is None:
            plain = _text_of(part)
        elif content_type == "text/html" and html is None:
            html = _text_of(part)
    text = plain if plain is not None and plain.strip() else (html_to_text(html) if html else "")
    return text.strip(), attachments


def _ids(value: str) -> list[str]:
    return MESSAGE_ID.findall(value or "")


def parse_email(raw: bytes) -> ParsedEmail:
    """Read an RFC 822 message. Raises InvalidEmail for what is not one."""
    if not raw or not raw.strip():
        raise InvalidEmail("empty")
    try:
        message = BytesParser(policy=policy.default).parsebytes(raw)
    except Exception as error:
        raise InvalidEmail(str(error)) from error
    if not message.keys():
        raise InvalidEmail("no headers")
    from_header = _header(message, "From")
    sender = _address(from_header)
    if not sender and not _header(message, "Message-ID") and not _header(message, "Subject"):
        raise InvalidEmail("no sender")
    if sender and (len(sender) > 254 or not _valid_address(sender)):
        sender = ""
    recipients = [
        address.strip().lower()
        for _name, address in getaddresses(
            [_header(message, name) for name in ("To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To")]
        )
        if address
    ]
    in_reply_to = _ids(_header(message, "In-Reply-To"))
    references = list(reversed(_ids(_header(message, "References"))))
    replied = list(dict.fromkeys(in_reply_to + references))
    ids = _ids(_header(message, "Message-ID"))
    full_body, attachments = _bodies(message)
    return ParsedEmail(
        message_id=ids[0] if ids else "",
        from_address=sender,
        from_name=parseaddr(from_header)[0][:150],
        recipients=recipients,
        subject=_header(message, "Subject")[:255],
        replied_ids=replied,
        body=trim_quoted(full_body),
        full_body=full_body,
        automated=automated_reason(message, sender),
        attachments=attachments,
    )


def _valid_address(value: str) -> bool:
    try:
        address = Address(addr_spec=value)
    except Exception:  # noqa: BLE001 - not an address
        return False
    return bool(address.username and address.domain and "." in address.domain)
