"""Email bodies: the text part decoded, HTML made plain, quoted replies and signatures removed.

Part of the email reader (``powerlens.readers.email``, whose docstring describes the rules):
``body_text`` picks the ``text/plain`` part (else ``text/html`` made plain by
``html_to_text``) and decodes it, falling back to UTF-8 then cp1252 when the declared charset
is unknown or wrong; ``strip_quotes`` keeps the author's own words.
"""

from __future__ import annotations

import re
from email.message import EmailMessage, Message
from html.parser import HTMLParser

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


def body_text(message: Message, encoding: str | None) -> tuple[str, dict[str, str]]:
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


__all__ = ["body_text", "html_to_text", "strip_quotes"]
