"""Email: an mbox file, one ``.eml`` file, or a folder of ``.eml`` files, grouped into threads.

Messages are parsed with the standard library (``email`` with ``policy.default``). An mbox is
split by hand rather than with ``mailbox.mbox`` so that each message can be reported by the
line number of its ``From `` line: a new message starts at every line shaped like an envelope
line (``From <sender> <date with a time and a year>``); ``>From`` lines are unescaped the
mboxrd way. Threads follow the idea of Jamie Zawinski's threading algorithm
(https://www.jwz.org/doc/threading.html), simplified: messages linked through ``Message-ID`` /
``In-Reply-To`` / ``References`` form a thread (ids of messages missing from the input still
link their replies), then threads whose first message has the same normalised subject
(``Re:``, ``Fwd:``, ``AW:``, ``SV:`` ... prefixes, case and spacing removed) are merged.

Each message that keeps some text becomes an ``Utterance``: ``id`` is its Message-ID without
angle brackets (or ``noid-<hash of the raw message>``), ``speaker`` the From display name
(the first one seen for that address anywhere in the input; else the address), ``text`` the
``text/plain`` body (else ``text/html`` made plain with ``html.parser``) with quoted replies
removed, ``start`` the Date as POSIX seconds (a date without zone is read as UTC), and
``reply_to`` the nearest ancestor (In-Reply-To, then References from the nearest) that is an
analysed message of the same thread. Utterances are ordered by date (file order when some
message has no readable date, noted in ``meta["order"]``).

Quoted text removed: lines starting with ``>``; a quote header ("On <date>, <name> wrote:" in
a few languages, ``-----Original Message-----``, ``Forwarded message``, an Outlook
``From: ... Sent: ...`` block) and everything after it -- or only the header, when the
lines after it are ``>``-quoted (bottom posting); a signature from a ``-- `` line on; a last
"Sent from my ..." line. HTML ``<blockquote>`` content counts as ``>``-quoted.

Nothing is dropped silently: a message with no text left, without a usable From header, with
no headers at all, or repeating an earlier Message-ID is a ``Rejection`` (mbox: the line of
its ``From `` line; folder: the reason names the file). A thread whose messages were all
rejected hands its rejections to the nearest conversation in input order, so that for the
whole input read = analysed + rejected. A body whose charset is unknown or wrong is decoded
as UTF-8, else cp1252, and the fallback is recorded in the utterance's and conversation's
``meta["charset"]``; ``encoding`` (``--encoding``) is used for bodies that name no charset.

Known limits: subject merging can join unrelated threads that share a generic subject
("Meeting"); mailing-list tags such as ``[dev]`` are not stripped from subjects; quotes
introduced by other phrasings, or inline replies quoted without ``>``, stay in the text;
attachments are ignored; an mbox written without ``>From`` escaping can split a message at a
body line that begins ``From `` and holds a time and a year.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from datetime import UTC
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from pathlib import Path

from powerlens.errors import InputError, shown
from powerlens.model import Conversation
from powerlens.readers import budgets
from powerlens.readers.about import About
from powerlens.readers.email_body import body_text, html_to_text, strip_quotes
from powerlens.readers.email_threads import MailMessage, normalise_subject, threads
from powerlens.readers.textfile import check_size

FORMATS = ("mbox", "eml")
EXTENSIONS = {".mbox": "mbox", ".eml": "eml"}
ABOUT = {
    "mbox": About(
        reads="a mailbox of email messages (Thunderbird, Gmail Takeout, Apple Mail export)",
        expects="a .mbox file; each thread becomes a conversation",
        recognised="the .mbox extension, or a first line 'From ' followed by mail headers",
        example="From ann@example.org Mon Mar  4 10:00:00 2024",
    ),
    "eml": About(
        reads="email messages saved one per file",
        expects="an .eml file, or a folder of them",
        recognised="the .eml extension, a folder holding .eml files, or From and Date headers",
        example="From: Ann Lee <ann@example.org>",
    ),
}
READS_FOLDERS = frozenset({"eml"})
"""A folder named with ``eml`` is read as a folder of messages (``mbox``: file by file)."""

_HEADER_LINE = re.compile(r"^[A-Za-z][A-Za-z0-9-]*:[ \t]?", re.ASCII)
_KNOWN_HEADERS = frozenset(
    {"from", "date", "subject", "message-id", "to", "received", "return-path", "cc",
     "in-reply-to", "references", "mime-version", "content-type", "delivered-to"}
)
_ENVELOPE = re.compile(rb"^From [^\n]{0,200}?\d{1,2}:\d{2}[^\n]{0,200}?\d{4}", re.MULTILINE)
"""An envelope line; bounded so that a long ``From `` body line costs linear time."""
_MBOXRD_ESCAPE = re.compile(rb"^>(>*From )", re.MULTILINE)
_MESSAGE_ID = re.compile(r"<([^<>\s]+)>")


def sniff(path: Path, head: str | None) -> str | None:
    """``mbox`` for text starting with a ``From `` line and headers; ``eml`` for a folder of
    ``.eml`` files or a text that is one message's header block."""
    if head is None:
        try:
            return "eml" if any(p.suffix.lower() == ".eml" for p in path.iterdir()) else None
        except OSError:
            return None
    lines = head.lstrip("\r\n").splitlines()
    if not lines:
        return None
    if lines[0].startswith("From "):
        block = _header_block(lines[1:40])
        return "mbox" if len(block & _KNOWN_HEADERS) >= 2 else None
    block = _header_block(lines[:60])
    has_id_or_subject = "message-id" in block or "subject" in block
    return "eml" if {"from", "date"} <= block and has_id_or_subject else None


def _header_block(lines: list[str]) -> set[str]:
    """Lower-cased names of the headers before the first blank line; empty if any line is
    neither a header nor a folded continuation."""
    names: set[str] = set()
    for line in lines:
        if not line.strip():
            break
        if line[0] in " \t" and names:
            continue
        match = _HEADER_LINE.match(line)
        if match is None:
            return set()
        names.add(match.group().rstrip(": \t").lower())
    return names


def read(path: Path, *, encoding: str | None = None, format: str = "mbox") -> list[Conversation]:
    """Read the threads of an mbox file, an ``.eml`` file or a folder of ``.eml`` files."""
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise InputError(path, f"unknown encoding {encoding!r}.", code="PL103") from None
    if format == "mbox":
        messages = _read_mbox(path, encoding)
    elif path.is_dir():
        messages = _read_eml_folder(path, encoding)
    else:
        messages = [_read_eml_file(path, path, 0, encoding)]
    conversations = threads(messages, str(path))
    if not conversations:
        first = messages[0]
        raise InputError(
            path,
            f"no message with text to analyse ({len(messages)} rejected; first: "
            f"{first.rejection().reason}).",
            line=first.line,
            code="PL161",
            fix="check the file holds email messages with a From header and a text body.",
        )
    return conversations


def _read_mbox(path: Path, encoding: str | None) -> list[MailMessage]:
    check_size(path)
    data = path.read_bytes()
    if not data.strip():
        raise InputError(path, "file is empty; expected an mbox of messages.", line=1, code="PL101")
    if b"\x00" in data[:8192]:
        raise InputError(
            path,
            "looks like a binary file (it contains NUL bytes); expected an mbox.",
            line=data.count(b"\n", 0, data.index(b"\x00")) + 1,
            code="PL102",
        )
    begin = len(data) - len(data.lstrip(b"\r\n \t"))
    if not data.startswith(b"From ", begin):
        raise InputError(
            path,
            "is not an mbox: expected the first line to start with 'From ' (the envelope line).",
            line=data.count(b"\n", 0, begin) + 1,
            code="PL160",
            fix="for a single message name it .eml or pass --input-format eml.",
        )
    starts = [begin, *(m.start() for m in _ENVELOPE.finditer(data, begin) if m.start() > begin)]
    messages: list[MailMessage] = []
    line = data.count(b"\n", 0, begin) + 1
    previous = begin
    for order, (start, end) in enumerate(zip(starts, [*starts[1:], len(data)], strict=True)):
        line += data.count(b"\n", previous, start)
        previous = start
        body_start = data.find(b"\n", start, end)
        raw = b"" if body_start < 0 else data[body_start + 1 : end]
        raw = _MBOXRD_ESCAPE.sub(rb"\1", raw)
        messages.append(_parse(raw, order=order, line=line, file=None, encoding=encoding))
    return messages


def _read_eml_folder(path: Path, encoding: str | None) -> list[MailMessage]:
    files = sorted(p for p in path.rglob("*") if p.suffix.lower() == ".eml" and p.is_file())
    if not files:
        raise InputError(path, "folder holds no .eml files.", code="PL160",
                         fix="pass a folder of .eml messages, or an mbox file.")
    return [_read_eml_file(file, path, order, encoding) for order, file in enumerate(files)]


def _read_eml_file(file: Path, root: Path, order: int, encoding: str | None) -> MailMessage:
    check_size(file)
    name = file.name if file == root else file.relative_to(root).as_posix()
    data = file.read_bytes()
    if not data.strip():
        if file == root:
            raise InputError(file, "file is empty; expected an email message.", line=1,
                             code="PL101")
        return MailMessage(key=f"empty:{name}", order=order, line=None, file=name,
                        reason="file is empty")
    message = _parse(data, order=order, line=None, file=name, encoding=encoding)
    message.meta["file"] = name
    return message


def _parse(
    raw: bytes, *, order: int, line: int | None, file: str | None, encoding: str | None
) -> MailMessage:
    """One message from its raw bytes; problems become a rejection reason, never an exception."""
    digest = hashlib.sha1(raw).hexdigest()[:12]
    result = MailMessage(key=f"noid-{digest}", order=order, line=line, file=file)
    try:
        message = BytesParser(policy=policy.default).parsebytes(raw)
        long = _long_header(message)
        if long is not None:
            result.reason = long
            return result
        _fill(result, message, encoding)
    except Exception as error:  # the email package can raise almost anything on bad input
        result.reason = f"malformed message ({type(error).__name__}: {shown(str(error), 120)})"
    return result


def _long_header(message: Message) -> str | None:
    """The rejection reason when a header is over the ``header-chars`` budget, checked before
    any header is parsed (the address parser's cost grows much faster than the header)."""
    limit = budgets.current().header_chars
    for name, value in message.raw_items():
        if len(value) > limit:
            return (
                f"[PL114] header {name} has {len(value):,} characters, over the "
                f"{budgets.limit_text('header-chars')} limit; "
                + budgets.raise_with("header-chars", len(value))
            )
    return None


def _fill(result: MailMessage, message: EmailMessage, encoding: str | None) -> None:
    """Copy headers and text from ``message`` into ``result`` (or set its rejection reason)."""
    raw: dict[str, str] = {}
    for name, value in message.raw_items():  # unparsed: ids need no structured parsing
        raw.setdefault(name.lower(), str(value))
    ids = _ids(raw.get("message-id"))
    if ids:
        result.key = ids[0]
    replying = _ids(raw.get("in-reply-to"))
    references = _ids(raw.get("references"))
    result.links = tuple(dict.fromkeys([*replying, *references]))
    result.parents = tuple(dict.fromkeys([*replying, *reversed(references)]))
    subject = raw.get("subject", "")
    if "=?" in subject or not subject.isascii():  # encoded words: let the policy decode them
        subject = str(message.get("Subject", ""))
    result.subject = " ".join(_clean(subject).split())
    if not raw:
        result.reason = "malformed message: no headers (expected 'Name: value' lines first)"
        return
    sender = message.get("From")
    if sender is None:
        result.reason = "no From header; cannot tell who wrote it"
        return
    for address in getattr(sender, "addresses", ()):
        result.display = _clean(address.display_name).strip()
        result.address = _clean(address.addr_spec).strip().strip("<>").lower()
        if result.display or result.address:
            break
    if not (result.display or result.address):
        result.reason = f"malformed From header {shown(_clean(str(sender)))}: no name or address"
        return
    date = raw.get("date")
    when = None
    if date is not None:
        try:
            when = parsedate_to_datetime(date)
        except (TypeError, ValueError, IndexError):
            result.meta["date"] = f"unreadable Date header {shown(' '.join(_clean(date).split()))}"
    if when is not None:
        result.start = (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()
    text, notes = body_text(message, encoding)
    result.meta.update(notes)
    if result.subject:
        result.meta["subject"] = result.subject
    result.text = strip_quotes(text)
    if not result.text:
        result.reason = (
            "no text body (only attachments or other content types)"
            if "body" not in notes
            else "no text left after removing quoted replies and signature"
        )


def _ids(value: object) -> list[str]:
    """Message ids in a header value, without angle brackets."""
    if value is None:
        return []
    text = _clean(str(value))
    found = _MESSAGE_ID.findall(text)
    return found or [token for token in text.split() if "@" in token][:1]


def _clean(text: str) -> str:
    """Header text with raw 8-bit bytes (kept as surrogates by ``email``) decoded properly."""
    if not any("\udc80" <= ch <= "\udcff" for ch in text):
        return text
    data = text.encode("utf-8", "surrogateescape")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace")


__all__ = ["EXTENSIONS", "FORMATS", "html_to_text", "normalise_subject", "read", "sniff",
           "strip_quotes"]
