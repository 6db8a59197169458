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
import dataclasses
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from powerlens.errors import InputError
from powerlens.model import Conversation, Rejection, Speaker, Utterance
from powerlens.readers.textfile import check_size

FORMATS = ("mbox", "eml")
EXTENSIONS = {".mbox": "mbox", ".eml": "eml"}

_HEADER_LINE = re.compile(r"^[A-Za-z][A-Za-z0-9-]*:[ \t]?", re.ASCII)
_KNOWN_HEADERS = frozenset(
    {"from", "date", "subject", "message-id", "to", "received", "return-path", "cc",
     "in-reply-to", "references", "mime-version", "content-type", "delivered-to"}
)
_ENVELOPE = re.compile(rb"^From [^\n]*?\d{1,2}:\d{2}[^\n]*?\d{4}", re.MULTILINE)
_MBOXRD_ESCAPE = re.compile(rb"^>(>*From )", re.MULTILINE)
_MESSAGE_ID = re.compile(r"<([^<>\s]+)>")
_SUBJECT_PREFIX = re.compile(
    r"^\s*(?:re|fwd?|aw|sv|wg|vs|tr|antw|rif|r)\s*(?:\[\d+\]|\(\d+\))?\s*:\s*", re.IGNORECASE
)
_ATTRIBUTION_START = re.compile(r"^\s*(?:on|am|le|el|il|op|den|em)\s", re.IGNORECASE)
_ATTRIBUTION = re.compile(
    r"^\s*(?:on|am|le|el|il|op|den|em)\s.{0,400}?"
    r"(?:wrote|writes|a écrit|escribió|ha scritto|escreveu|"
    r"(?:schrieb|schreef|skrev)(?:\s[^:\n]{0,120})?)\s*:\s*$",
    re.IGNORECASE | re.DOTALL,
)
_ORIGINAL = re.compile(
    r"^\s*-{2,}\s*(?:original message|forwarded message|ursprüngliche nachricht|"
    r"message d'origine|mensaje original|weitergeleitete nachricht)\s*-{2,}\s*$",
    re.IGNORECASE,
)
_UNDERSCORES = re.compile(r"^\s*_{10,}\s*$")
_FROM_FIELD = re.compile(r"^\s*\*?(?:from|von|de|van|från|fra)\s*:\s*\*?\s*\S", re.IGNORECASE)
_SENT_FIELD = re.compile(
    r"^\s*\*?(?:sent|date|gesendet|datum|envoyé|enviado|skickat|sendt)\s*:", re.IGNORECASE
)
_SIGNATURE = re.compile(r"^--[ \t]*$")
_MOBILE = re.compile(r"^\s*sent from my \S.{0,40}$", re.IGNORECASE)


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


@dataclass
class _Message:
    """One parsed (or rejected) message before threading."""

    key: str
    order: int
    line: int | None
    file: str | None
    links: tuple[str, ...] = ()
    parents: tuple[str, ...] = ()
    subject: str = ""
    address: str = ""
    display: str = ""
    start: float | None = None
    text: str = ""
    reason: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def rejection(self) -> Rejection:
        reason = self.reason or "rejected"
        return Rejection(self.line, f"{self.file}: {reason}" if self.file else reason)


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
    conversations = _threads(messages, str(path))
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


def _read_mbox(path: Path, encoding: str | None) -> list[_Message]:
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
            fix="for a single message name it .eml or pass --format eml.",
        )
    starts = [begin, *(m.start() for m in _ENVELOPE.finditer(data, begin) if m.start() > begin)]
    messages: list[_Message] = []
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


def _read_eml_folder(path: Path, encoding: str | None) -> list[_Message]:
    files = sorted(p for p in path.rglob("*") if p.suffix.lower() == ".eml" and p.is_file())
    if not files:
        raise InputError(path, "folder holds no .eml files.", code="PL160",
                         fix="pass a folder of .eml messages, or an mbox file.")
    return [_read_eml_file(file, path, order, encoding) for order, file in enumerate(files)]


def _read_eml_file(file: Path, root: Path, order: int, encoding: str | None) -> _Message:
    check_size(file)
    name = file.name if file == root else file.relative_to(root).as_posix()
    data = file.read_bytes()
    if not data.strip():
        if file == root:
            raise InputError(file, "file is empty; expected an email message.", line=1,
                             code="PL101")
        return _Message(key=f"empty:{name}", order=order, line=None, file=name,
                        reason="file is empty")
    message = _parse(data, order=order, line=None, file=name, encoding=encoding)
    message.meta["file"] = name
    return message


def _parse(
    raw: bytes, *, order: int, line: int | None, file: str | None, encoding: str | None
) -> _Message:
    """One message from its raw bytes; problems become a rejection reason, never an exception."""
    digest = hashlib.sha1(raw).hexdigest()[:12]
    result = _Message(key=f"noid-{digest}", order=order, line=line, file=file)
    try:
        message = BytesParser(policy=policy.default).parsebytes(raw)
        _fill(result, message, encoding)
    except Exception as error:  # the email package can raise almost anything on bad input
        result.reason = f"malformed message ({type(error).__name__}: {error})"
    return result


def _fill(result: _Message, message: EmailMessage, encoding: str | None) -> None:
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
        result.reason = f"malformed From header {_clean(str(sender))!r}: no name or address"
        return
    date = raw.get("date")
    when = None
    if date is not None:
        try:
            when = parsedate_to_datetime(date)
        except (TypeError, ValueError, IndexError):
            result.meta["date"] = f"unreadable Date header {' '.join(_clean(date).split())!r}"
    if when is not None:
        result.start = (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()
    text, notes = _body(message, encoding)
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


def _body(message: Message, encoding: str | None) -> tuple[str, dict[str, str]]:
    """The preferred text body, decoded, and notes on how (``body``, ``charset``)."""
    if not isinstance(message, EmailMessage):
        return "", {}
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return "", {}
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return "", {}
    subtype = part.get_content_subtype()
    text, note = _decode(payload, part.get_content_charset(), encoding)
    notes = {"body": f"text/{subtype}"}
    if note:
        notes["charset"] = note
    if subtype == "html":
        text = html_to_text(text)
    return text, notes


def _decode(payload: bytes, declared: str | None, fallback: str | None) -> tuple[str, str | None]:
    """Decode with the declared charset; on failure try UTF-8, then cp1252, and say so."""
    first = declared or fallback or "us-ascii"
    try:
        return payload.decode(first), None
    except LookupError:
        problem = f"declared charset {first!r} is unknown"
    except UnicodeDecodeError:
        problem = f"body is not valid {first!r}"
    for name in ("utf-8", "cp1252"):
        try:
            return payload.decode(name), f"{problem}; decoded as {name}"
        except UnicodeDecodeError:
            continue
    return payload.decode("cp1252", "replace"), f"{problem}; decoded as cp1252 with replacements"


class _HTMLText(HTMLParser):
    """Collects the visible text of an HTML body; ``<blockquote>`` lines are ``>``-prefixed."""

    _BLOCKS = frozenset(
        {"p", "div", "br", "li", "ul", "ol", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6",
         "blockquote", "pre", "hr", "section", "article", "header", "footer", "dd", "dt"}
    )
    _HIDDEN = frozenset({"script", "style", "head", "title", "template"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[tuple[int, list[str]]] = [(0, [])]
        self.pre_lines: set[int] = set()
        self.quote = 0
        self.hidden = 0
        self.pre = 0

    def _newline(self) -> None:
        """Start a line; adjacent block boundaries make one break, not blank lines."""
        if "".join(self.lines[-1][1]).strip():
            self.lines.append((self.quote, []))
        else:
            self.lines[-1] = (self.quote, [])

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._HIDDEN:
            self.hidden += 1
        if tag in self._BLOCKS:
            self.quote += tag == "blockquote"
            self.pre += tag == "pre"
            self._newline()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._BLOCKS:
            self._newline()

    def handle_endtag(self, tag: str) -> None:
        if tag in self._HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        if tag in self._BLOCKS:
            self.quote = max(0, self.quote - (tag == "blockquote"))
            self.pre = max(0, self.pre - (tag == "pre"))
            self._newline()

    def handle_data(self, data: str) -> None:
        if self.hidden:
            return
        if self.pre:
            self.pre_lines.add(len(self.lines) - 1)
            first, *rest = data.split("\n")
            self.lines[-1][1].append(first)
            for piece in rest:
                self.lines.append((self.quote, [piece]))
                self.pre_lines.add(len(self.lines) - 1)
        else:
            self.lines[-1][1].append(re.sub(r"\s+", " ", data))

    def text(self) -> str:
        out = []
        for index, (depth, pieces) in enumerate(self.lines):
            line = "".join(pieces).replace("\xa0", " ")
            line = line.rstrip() if index in self.pre_lines else line.strip()
            out.append(f"{'> ' * depth}{line}" if depth and line else line)
        return "\n".join(out).strip("\n")


def html_to_text(html: str) -> str:
    """The visible text of an HTML body, one line per block, quoted blocks ``>``-prefixed."""
    parser = _HTMLText()
    parser.feed(html)
    parser.close()
    return parser.text()


def strip_quotes(text: str) -> str:
    """The author's own words: quoted replies, quote headers and the signature removed."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").replace("\xa0", " ").split("\n")
    drop: set[int] = set()
    end = len(lines)
    for index, line in enumerate(lines):
        if _SIGNATURE.match(line):
            end = index
            break
        size = _quote_header(lines, index)
        if not size:
            continue
        after = next((s for s in lines[index + size :] if s.strip()), "")
        if after.lstrip().startswith(">"):
            drop.update(range(index, index + size))
        else:
            end = index
            break
    kept = [
        line.rstrip()
        for index, line in enumerate(lines[:end])
        if index not in drop and not line.lstrip().startswith(">")
    ]
    while kept and not kept[-1].strip():
        kept.pop()
    if kept and _MOBILE.match(kept[-1]):
        kept.pop()
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()


def _quote_header(lines: list[str], index: int) -> int:
    """How many lines at ``index`` form a quote header (0 when none does)."""
    line = lines[index]
    if _ORIGINAL.match(line):
        return 1
    if _UNDERSCORES.match(line) and index + 1 < len(lines) and _FROM_FIELD.match(lines[index + 1]):
        return 1
    if _ATTRIBUTION_START.match(line):
        for size in (1, 2, 3):
            joined = " ".join(lines[index : index + size])
            if index + size <= len(lines) and _ATTRIBUTION.match(joined):
                return size
    if _FROM_FIELD.match(line):
        block = []
        for following in lines[index + 1 : index + 5]:
            if not following.strip():
                break
            block.append(following)
        if any(_SENT_FIELD.match(s) for s in block):
            return 1 + len(block)
    return 0


def normalise_subject(subject: str) -> str:
    """The subject without reply/forward prefixes, case-folded, with single spaces."""
    return _strip_prefixes(" ".join(subject.split())).casefold()


def _strip_prefixes(subject: str) -> str:
    while (shorter := _SUBJECT_PREFIX.sub("", subject, count=1)) != subject:
        subject = shorter
    return subject.strip()


def _threads(messages: list[_Message], source: str) -> list[Conversation]:
    """Group messages into threads, one conversation per thread with analysed messages."""
    seen: dict[str, _Message] = {}
    for message in messages:
        if message.key in seen:
            first = seen[message.key]
            where = f"line {first.line}" if first.line is not None else first.file
            if message.reason is None:
                message.reason = f"duplicate of message {message.key} ({where})"
        else:
            seen[message.key] = message
    parent: dict[str, str] = {}

    def find(key: str) -> str:
        root = parent.setdefault(key, key)
        while root != parent[root]:
            root = parent[root]
        while parent[key] != root:
            parent[key], key = root, parent[key]
        return root

    def union(a: str, b: str) -> None:
        parent[find(a)] = find(b)

    for message in messages:
        find(message.key)
        for link in message.links:
            union(message.key, link)
    groups: dict[str, list[_Message]] = {}
    for message in messages:
        groups.setdefault(find(message.key), []).append(message)
    by_subject: dict[str, str] = {}
    for root, members in groups.items():
        first = min(members, key=_when)
        subject = normalise_subject(first.subject)
        if subject:
            if subject in by_subject:
                union(root, by_subject[subject])
            else:
                by_subject[subject] = root
    threads: dict[str, list[_Message]] = {}
    for message in messages:
        threads.setdefault(find(message.key), []).append(message)
    names: dict[str, str] = {}
    for message in messages:
        if message.reason is None and message.display and message.address:
            names.setdefault(message.address, message.display)
    built: dict[str, tuple[Conversation, int]] = {}
    for root, members in threads.items():
        conversation = _conversation(members, names, source)
        if conversation is not None:
            built[root] = (conversation, min(m.order for m in members))
    return _attach_orphans(messages, built, find)


def _when(message: _Message) -> tuple[float, int]:
    return (message.start if message.start is not None else float("inf"), message.order)


def _conversation(
    members: list[_Message], names: dict[str, str], source: str
) -> Conversation | None:
    kept = [m for m in members if m.reason is None]
    if not kept:
        return None
    dated = all(m.start is not None for m in kept)
    kept.sort(key=_when if dated else lambda m: (0.0, m.order))
    keys = {m.key for m in kept}
    utterances = []
    speakers: dict[str, Speaker] = {}
    charset_notes = []
    for message in kept:
        speaker = names.get(message.address) or message.display or message.address
        speakers.setdefault(speaker, Speaker(speaker, {"address": message.address}))
        reply_to = next((p for p in message.parents if p in keys and p != message.key), None)
        utterances.append(
            Utterance(
                id=message.key,
                speaker=speaker,
                text=message.text,
                start=message.start,
                reply_to=reply_to,
                line=message.line,
                meta=dict(message.meta),
            )
        )
        if "charset" in message.meta:
            charset_notes.append({"utterance": message.key, "note": message.meta["charset"]})
    subject = _strip_prefixes(" ".join(kept[0].subject.split()))
    meta: dict[str, Any] = {"subject": subject}
    if not dated:
        meta["order"] = "file order: some messages have no readable date"
    if charset_notes:
        meta["charset"] = charset_notes
    rejected = tuple(m.rejection() for m in sorted(members, key=lambda m: m.order) if m.reason)
    return Conversation(
        id=f"{_slug(subject)}-{hashlib.sha1(kept[0].key.encode()).hexdigest()[:8]}",
        utterances=tuple(utterances),
        source=source,
        speakers=speakers,
        meta=meta,
        rejected=rejected,
    )


def _attach_orphans(
    messages: list[_Message],
    built: dict[str, tuple[Conversation, int]],
    find: Callable[[str], str],
) -> list[Conversation]:
    """Give rejections of threads without any analysed message to the nearest conversation
    before them in input order (or the first one), so that no rejection is lost."""
    if not built:
        return []
    ordered = sorted(built.items(), key=lambda item: item[1][1])
    extra: dict[str, list[Rejection]] = {}
    last = ordered[0][0]
    for message in messages:
        root = find(message.key)
        if root in built:
            if message.reason is None:
                last = root
        elif message.reason is not None:
            extra.setdefault(last, []).append(message.rejection())
    result = []
    for root, (conversation, _) in ordered:
        if root in extra:
            merged = sorted(
                (*conversation.rejected, *extra[root]), key=lambda r: (r.line or 0, r.reason)
            )
            conversation = dataclasses.replace(conversation, rejected=tuple(merged))
        result.append(conversation)
    return result


def _slug(subject: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", subject.casefold()).strip("-")[:40].strip("-")
    return slug or "no-subject"


__all__ = ["EXTENSIONS", "FORMATS", "html_to_text", "normalise_subject", "read", "sniff",
           "strip_quotes"]
