"""Marker categories of style coordination and the matcher that finds them in text.

The eight function-word categories of "Echoes of power" (Danescu-Niculescu-Mizil, Lee, Pang &
Kleinberg, WWW 2012) ship in ``lexicons/coordination_markers.json``; any other set can be passed
as a path (JSON, or ``category<TAB>word`` lines) or a dict. ``MarkerMatcher`` gives each
utterance a bit mask of the categories it shows, in one of two modes (``tokens``: powerlens
tokens; ``convokit``: ConvoKit's character scanner reproduced step for step; see
``powerlens.measures.accommodation``).

``MarkerMatcher.masks`` tags many texts at once: Arrow lowercases the ASCII letters and splits
every text at ASCII whitespace, the pieces are dictionary-encoded, each distinct piece is
tagged once in Python (and cached), and the pieces' masks are OR-ed per text with numpy. A
text's mask is the OR of its pieces' masks in both modes: a token never spans whitespace, and
ConvoKit's scanner restarts after whitespace (when no marker entry holds whitespace; a
matcher whose entries do tags text by text). Lowercasing a piece gives the same characters as
lowercasing the whole text, because no character's lowercase depends on text across
whitespace.

Known limits: the cache of tagged pieces is cleared when it holds ``PIECE_CACHE`` entries, so
memory stays bounded on a corpus with a huge vocabulary.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from powerlens.errors import InputError, UsageError
from powerlens.language import token_spans, tokenize
from powerlens.language.tokenize import WORD

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
Mode = Literal["tokens", "convokit"]
MarkerSpec = str | Path | Mapping[str, Sequence[str]]
PIECE_CACHE = 1_000_000
_ASCII_SPACE = frozenset(" \t\n\r\x0b\x0c")


@dataclass(frozen=True)
class MarkerSet:
    """Named marker categories, each a tuple of entries (``word`` or ``prefix*``)."""

    names: tuple[str, ...]
    entries: tuple[tuple[str, ...], ...]
    source: str = ""

    def as_dict(self) -> dict[str, list[str]]:
        """The categories as a plain dict."""
        return {n: list(e) for n, e in zip(self.names, self.entries, strict=True)}


def load_markers(spec: MarkerSpec | MarkerSet | None = None) -> MarkerSet:
    """Marker categories from the shipped file (None), a JSON/TSV path, or a dict."""
    if isinstance(spec, MarkerSet):
        return spec
    if spec is None:
        text = resources.files("powerlens.lexicons").joinpath("coordination_markers.json")
        return _markers_from_json(json.loads(text.read_text(encoding="utf-8")), "built-in")
    if isinstance(spec, Mapping):
        return _markers_from_dict(spec, "dict")
    path = Path(spec)
    if not path.is_file():
        raise InputError(path, "no such marker file.", fix="pass a JSON or TSV marker file")
    raw = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".json":
        try:
            return _markers_from_json(json.loads(raw), str(path))
        except json.JSONDecodeError as error:
            raise InputError(path, f"not valid JSON ({error.msg}).", line=error.lineno) from None
    table: dict[str, list[str]] = {}
    for number, line in enumerate(raw.splitlines(), start=1):
        body = line.split("#", 1)[0].strip() if not line.lstrip().startswith("#") else ""
        if not body:
            continue
        parts = body.split("\t")
        if len(parts) != 2:
            raise InputError(
                path, "expected 'category<TAB>word'.", line=number, fix="one entry per line"
            )
        table.setdefault(parts[0].strip(), []).append(parts[1].strip())
    return _markers_from_dict(table, str(path))


def _markers_from_json(data: Any, source: str) -> MarkerSet:
    if isinstance(data, dict) and isinstance(data.get("markers"), dict):
        return _markers_from_dict(data["markers"], str(data.get("source", source)))
    if isinstance(data, dict):
        return _markers_from_dict(data, source)
    raise UsageError("a marker file holds {category: [words]} or {'markers': {...}}.")


def _markers_from_dict(table: Mapping[str, Sequence[str]], source: str) -> MarkerSet:
    if not table:
        raise UsageError("the marker set is empty.", fix="give at least one category")
    if len(table) > 62:
        raise UsageError("at most 62 marker categories are supported.")
    names, entries = [], []
    for name, words in table.items():
        if isinstance(words, str) or not all(isinstance(w, str) for w in words):
            raise UsageError(f"marker category {name!r} must be a list of words.")
        names.append(str(name))
        entries.append(tuple(dict.fromkeys(w.strip().lower() for w in words if w.strip())))
    return MarkerSet(tuple(names), tuple(entries), source)


class MarkerMatcher:
    """Which marker categories an utterance shows, as a bit mask (bit k = category k)."""

    def __init__(self, markers: MarkerSpec | MarkerSet | None = None, mode: Mode = "tokens"):
        if mode not in ("tokens", "convokit"):
            raise UsageError(f"unknown matching mode {mode!r}.", fix="use tokens or convokit")
        self.markers = load_markers(markers)
        self.mode: Mode = mode
        self._exact: dict[str, int] = {}
        self._prefixes: list[tuple[str, int]] = []
        self._trie: dict[str, Any] = {}
        for bit, words in enumerate(self.markers.entries):
            for word in words:
                if word.endswith("*"):
                    self._prefixes.append((word[:-1], 1 << bit))
                    self._insert(word[:-1], 1 << bit)
                else:
                    self._exact[word] = self._exact.get(word, 0) | (1 << bit)
                    self._insert(word + "#", 1 << bit)
        self._cache: dict[str, int] = {}
        """Token -> mask (``token_mask``)."""
        self._exact_words = list(self._exact)
        self._exact_bits = np.array(list(self._exact.values()), np.int64)
        self._chunks: dict[str, int] = {}
        """ConvoKit scan chunk -> mask (``text_mask`` in ``convokit`` mode)."""
        self._pieces: dict[str, int] = {}
        """Whitespace-free piece of text -> mask (``masks``)."""
        self.splits_on_whitespace = mode == "tokens" or not any(
            _ASCII_SPACE.intersection(word) for words in self.markers.entries for word in words
        )
        """Whether a text's mask is the OR of its whitespace-separated pieces' masks."""
        word = "a-z0-9" if mode == "tokens" else "a-z0-9_"
        entries = [*self._exact, *(prefix for prefix, _ in self._prefixes)]
        odd = sorted({c for entry in entries for c in entry} - _WORD - {"'"})
        avoid = word + "'" + "".join(map(re.escape, odd))
        self._one_word = f"^[^{avoid}]*[{word}]+[^{avoid}]*$"
        """ASCII pieces holding one run of word characters, no apostrophe and no character of
        a marker entry besides: their mask is ``token_mask`` of that run in both modes (the
        scanner and the tokenizer both read the run as one word)."""
        self._not_word = "".join(
            c for c in map(chr, range(128)) if not re.fullmatch(f"[{word}]", c)
        )

    @property
    def names(self) -> tuple[str, ...]:
        """Category names, in bit order."""
        return self.markers.names

    def _insert(self, entry: str, bit: int) -> None:
        node = self._trie
        for char in entry:
            node = node.setdefault(char, {})
        node["$"] = node.get("$", 0) | bit

    def token_mask(self, token: str) -> int:
        """Categories shown by one lowercased token (``tokens`` mode)."""
        mask = self._cache.get(token)
        if mask is None:
            mask = self._exact.get(token, 0)
            for prefix, bit in self._prefixes:
                if token.startswith(prefix):
                    mask |= bit
            if len(self._cache) >= PIECE_CACHE:
                self._cache.clear()
            self._cache[token] = mask
        return mask

    def tokens_mask(self, tokens: Sequence[str]) -> int:
        """Categories shown by an utterance's tokens (``tokens`` mode)."""
        mask = 0
        get = self._cache.get
        for token in tokens:
            bits = get(token)
            mask |= self.token_mask(token) if bits is None else bits
        return mask

    def text_mask(self, text: str) -> int:
        """Categories shown by an utterance's text, in this matcher's mode."""
        if self.mode == "tokens":
            return self.tokens_mask(tokenize(text))
        mask = 0
        cache = self._chunks
        for chunk in _CHUNK.split(text.lower() + " "):
            bits = cache.get(chunk)
            if bits is None:
                if len(cache) >= PIECE_CACHE:
                    cache.clear()
                bits = cache[chunk] = _scan(chunk, self._trie)
            mask |= bits
        return mask

    def masks(self, texts: Sequence[str] | Any) -> IntArray:
        """``text_mask`` of every text (a list or an Arrow string array), computed in bulk."""
        import pyarrow as pa
        import pyarrow.compute as pc

        array = texts if isinstance(texts, pa.Array | pa.ChunkedArray) else pa.array(texts)
        if isinstance(array, pa.ChunkedArray):
            array = array.combine_chunks()
        n = len(array)
        if not self.splits_on_whitespace or array.null_count:
            return np.fromiter(
                (self.text_mask(t or "") for t in array.to_pylist()), np.int64, count=n
            )
        pieces = pc.ascii_split_whitespace(array)
        offsets = pieces.offsets.to_numpy().astype(np.int64)
        encoded = pc.dictionary_encode(pieces.flatten())
        table = self._dictionary_masks(encoded.dictionary)
        per_piece = table[encoded.indices.to_numpy()]
        out = np.zeros(n, np.int64)
        filled = np.diff(offsets) > 0
        if filled.any():
            starts = offsets[:-1][filled] - offsets[0]
            out[filled] = np.bitwise_or.reduceat(per_piece, starts)
        return out

    def _dictionary_masks(self, unique: Any) -> IntArray:
        """The mask of each distinct piece of text (an Arrow string array): one-word ASCII
        pieces in bulk with Arrow, the others one by one (cached)."""
        import pyarrow as pa
        import pyarrow.compute as pc

        lowered = pc.ascii_lower(unique)
        simple = np.asarray(
            pc.and_(pc.string_is_ascii(unique), pc.match_substring_regex(lowered, self._one_word))
        )
        out = np.zeros(len(unique), np.int64)
        words = pc.ascii_trim(lowered.filter(pa.array(simple)), self._not_word)
        at = np.flatnonzero(simple)
        exact = (
            pc.index_in(words, value_set=pa.array(self._exact_words, pa.string()))
            .fill_null(-1)
            .to_numpy()
        )
        found = exact >= 0
        out[at[found]] = self._exact_bits[exact[found]]
        for prefix, bit in self._prefixes:
            out[at[np.asarray(pc.starts_with(words, prefix))]] |= bit
        others = np.flatnonzero(~simple)
        cache = self._pieces
        if len(cache) + len(others) > PIECE_CACHE:
            cache.clear()
        get = cache.get
        for i, piece in zip(others.tolist(), unique.take(others).to_pylist(), strict=True):
            mask = get(piece)
            out[i] = self._piece_mask(piece) if mask is None else mask
        return out

    def _piece_mask(self, piece: str) -> int:
        mask = self._pieces[piece] = (
            self.tokens_mask(tokenize(piece)) if self.mode == "tokens" else self.text_mask(piece)
        )
        return mask

    def first_span(self, text: str, bits: int) -> tuple[int, int]:
        """Character span of the first word of ``text`` showing any of ``bits``."""
        if text.isascii():  # tokens are the lowercased matches, span for span
            for match in WORD.finditer(text):
                if self.token_mask(match.group().lower()) & bits:
                    return match.span()
            return (0, len(text))
        for (start, end), token in zip(token_spans(text), tokenize(text), strict=False):
            if self.token_mask(token) & bits:
                return (start, end)
        return (0, len(text))


_WORD = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")
_CHUNK = re.compile(r"(?<=[^a-z0-9_'])(?=[a-z0-9_])")
"""Where ConvoKit's scanner always restarts: a word character after a non-word character
that is not an apostrophe. Text between two such points is scanned independently."""


def _scan(chunk: str, trie: dict[str, Any]) -> int:
    """ConvoKit's trie scan of one chunk (state machine reproduced step for step)."""
    mask = 0
    last: str | None = None
    cur: dict[str, Any] | None = None
    for char in chunk:
        if (last is None or last not in _WORD) and char in _WORD and (last != "'" or not cur):
            cur = trie
        if cur:
            if char in cur and char != "#" and char != "$":
                if char not in _WORD:
                    ended = cur.get("#")
                    if ended is not None and "$" in ended:
                        mask |= ended["$"]
                cur = cur[char]
            elif char not in _WORD and last is not None and last in _WORD and "#" in cur:
                cur = cur["#"]
            else:
                cur = None
        if cur and "$" in cur:
            mask |= cur["$"]
        last = char
    return mask


def mask_matrix(masks: Sequence[int] | npt.NDArray[np.int64], k: int) -> BoolArray:
    """Bit masks as a boolean (n, k) matrix: row i, column j = utterance i shows marker j."""
    arr = np.asarray(masks, dtype=np.int64).reshape(-1, 1)
    return ((arr >> np.arange(k, dtype=np.int64)) & 1).astype(bool)
