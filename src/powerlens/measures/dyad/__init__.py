"""The therapeutic dyad: how a helper (therapist, counsellor, coach) uses the power of the role.

The helper holds expert and legitimate power (French & Raven 1959); motivational interviewing
(MI; Miller & Rollnick 2013) asks them to name and reduce that differential by supporting the
client's autonomy. This family codes each helper sentence with behaviours from the MI fidelity
instruments MITI 4.2.1 (Moyers, Manuel & Ernst 2014) and MISC 2.5 (Miller, Moyers, Ernst &
Amrhein 2008): open and closed questions, simple and complex reflections, affirmations,
directive moves (Persuade, Confront, Direct, Warn), autonomy support (Emphasize Autonomy, asking
permission) and advice or information given with or without permission. Client utterances are
coded for refusals (Boundary Check: was the "no" respected?) and for change and sustain talk.
Per session it reports MITI's counts and ratios against the manuals' thresholds and one
**power-differential index** in [0, 1], a fixed, untrained mean of MI contrasts.

The family is three modules: ``dyad_detectors`` codes one utterance (the MITI/MISC behaviours),
``dyad_index`` sums sessions and computes the ratios, thresholds and index, and this module
decides who the helper is and walks a session turn by turn: which client turns answer which
helper turn, when advice counts as permitted (a granted permission or a client's request opens
a short window) and whether a refusal was met with pressure.

Known limits: patterns are English and written from the manuals' definitions, not trained (see
``dyad_detectors`` for the coders' own limits); helper detection by who asks and reflects most
fails when both speakers do so alike; the index describes one session's talk, never the person,
and is a signal to explore, not a fidelity rating (MITI's global scores need a trained human
coder).
"""

from __future__ import annotations

import re
from typing import Any

from powerlens.language import Tokens
from powerlens.lexicons import word_list
from powerlens.measures.base import Options
from powerlens.measures.dyad.detectors import (
    HEARD_TURNS,
    INPUT_LABELS,
    Code,
    HelperCodes,
    client_talk_type,
    code_client,
    code_helper,
)
from powerlens.measures.dyad.index import DyadPartial, power_index, summarize
from powerlens.model import Conversation, MeasureResult, Signal

__all__ = [
    "DYAD",
    "HEARD_TURNS",
    "Code",
    "Dyad",
    "DyadPartial",
    "HelperCodes",
    "client_talk_type",
    "code_client",
    "code_helper",
    "detect_helper",
    "power_index",
    "resolve_helper",
    "summarize",
]

PERMISSION_WINDOW = 2
"""Helper turns after a granted permission (or a client's request) in which input is permitted."""


def _role_match(name: str, lexicon: str) -> bool:
    words = re.findall(r"[a-z]+", name.lower())
    roles = word_list(f"dyad/{lexicon}")
    return " ".join(words) in roles or bool(words and words[0] in roles and len(words[0]) > 2)


def detect_helper(conversation: Conversation) -> tuple[str | None, str]:
    """Guess who the helper is, and say how: by role name, else by who asks and reflects most."""
    names = conversation.speaker_names()
    if len(names) < 2:
        return None, "fewer than two speakers: no dyad to analyse"
    for name in names:
        role = conversation.speakers.get(name)
        if role is not None and str(role.meta.get("role", "")).lower() in word_list(
            "dyad/helper_names"
        ):
            return name, f"speaker {name!r} is declared with the helper role {role.meta['role']!r}"
    helpers = [n for n in names if _role_match(n, "helper_names")]
    if len(helpers) == 1:
        return helpers[
            0
        ], f"speaker name {helpers[0]!r} is a helper role (therapist, counsellor, ...)"
    clients = [n for n in names if _role_match(n, "client_names")]
    if len(names) == 2 and len(clients) == 1:
        other = next(n for n in names if n != clients[0])
        return other, f"the other speaker, {clients[0]!r}, is named as the client"
    said: dict[str, list[str]] = {name: [] for name in names}
    for u in conversation.utterances:  # one pass, not one per speaker
        said[u.speaker].append(u.text)
    rates: dict[str, tuple[float, int, int]] = {}
    for name in names:
        texts = said[name]
        moves = sum(1 for t in texts for c in code_helper(t).sentences if c.label != "affirm")
        rates[name] = (moves / max(1, len(texts)), moves, len(texts))
    ranked = sorted(names, key=lambda n: -rates[n][0])
    best, runner = ranked[0], ranked[1]
    if rates[best][0] == rates[runner][0]:
        return None, "no helper role in the names and no speaker asks or reflects more than another"
    return best, (
        f"{best!r} asks and reflects most: {rates[best][1]} questions and reflections in "
        f"{rates[best][2]} utterances, against {rates[runner][1]} in {rates[runner][2]} "
        f"for {runner!r}"
    )


def resolve_helper(conversation: Conversation, named: str | None) -> tuple[str | None, str]:
    """The helper named (matched case-insensitively) if present, else the detected one, with why."""
    if named is not None:
        for name in conversation.speaker_names():
            if name.casefold() == named.casefold():
                return name, f"named with --helper {named!r}"
        found, why = detect_helper(conversation)
        return found, f"{named!r} does not speak here; {why}"
    return detect_helper(conversation)


def _signal(
    u_id: str,
    speaker: str,
    target: str | None,
    code: Code,
    label: str | None = None,
    subtype: str | None = None,
) -> Signal:
    return Signal(
        u_id,
        speaker,
        "dyad",
        label or code.label,
        code.span,
        code.score,
        f"rule:{code.rule}",
        target,
        subtype if subtype is not None else code.subtype,
    )


class Dyad:
    """The therapeutic-dyad measure family (map / combine / finalize)."""

    name = "dyad"
    requires: frozenset[str] = frozenset({"helper"})

    def map(self, conversation: Conversation, tokens: Tokens, options: Options) -> DyadPartial:
        partial = DyadPartial()
        helper, why = resolve_helper(conversation, options.helper)
        partial.decisions.append(why)
        partial.helpers.append(helper or "")
        if helper is None:
            return partial
        c = partial.counts
        c["sessions"] += 1
        permitted_for = 0
        previous_helper: HelperCodes | None = None
        last_client: str | None = None
        said: list[str] = []
        unanswered: list[dict[str, Any]] = []  # client refusals the helper has not replied to
        previous_speaker: str | None = None
        for utterance, words in zip(conversation.utterances, tokens, strict=True):
            is_helper = utterance.speaker == helper
            role = "helper" if is_helper else "client"
            partial.roles[utterance.speaker] = role
            c[f"{role}_words"] += len(words)
            if utterance.speaker != previous_speaker:
                c[f"{role}_turns"] += 1
            previous_speaker = utterance.speaker
            if not is_helper:
                last_client = utterance.speaker
                said.append(utterance.text)
                codes = code_client(utterance.text)
                labels = {code.label for code in codes}
                if "client_request" in labels:
                    permitted_for = PERMISSION_WINDOW
                asked = previous_helper is not None and any(
                    m.label in ("directive", "advice", "autonomy_support")
                    for m in previous_helper.moves
                )
                for code in self._client_codes(codes, asked):
                    partial.signals.append(_signal(utterance.id, utterance.speaker, helper, code))
                    c[code.label] += 1
                    if code.label == "refusal":
                        refusal = {
                            "utterance_id": utterance.id,
                            "by": utterance.speaker,
                            "span": list(code.span),
                            "response_id": None,
                            "respected": None,
                        }
                        partial.refusals.append(refusal)
                        unanswered.append(refusal)
                if previous_helper is not None and labels & {"refusal"}:
                    permitted_for = 0
                continue
            coded = code_helper(
                utterance.text, " ".join(said[-HEARD_TURNS:]) or None, previous_helper
            )
            self._answer_refusals(partial, unanswered, utterance.id, coded)
            unanswered = []
            if any(m.subtype == "permission" for m in coded.moves):
                permitted_for = PERMISSION_WINDOW + 1
            permitted = permitted_for > 0 or any(m.label == "autonomy_support" for m in coded.moves)
            for code in coded.sentences:
                c[code.label] += code.subtype != "continued"
                partial.signals.append(_signal(utterance.id, helper, last_client, code))
            for code in coded.moves:
                if code.label in INPUT_LABELS:
                    label = "advice_with_permission" if permitted else "advice_without_permission"
                    c[label] += 1
                    c[code.label] += 1
                    c["advice_unpermitted"] += code.label == "advice" and not permitted
                    partial.signals.append(
                        _signal(utterance.id, helper, last_client, code, label, code.label)
                    )
                else:
                    c[code.label] += 1
                    if code.subtype == "permission":
                        c["permission_asks"] += 1
                    partial.signals.append(_signal(utterance.id, helper, last_client, code))
            permitted_for = max(0, permitted_for - 1)
            previous_helper = coded
        return partial

    @staticmethod
    def _client_codes(codes: list[Code], asked: bool) -> list[Code]:
        keep = []
        refused = False
        for code in codes:
            if code.label == "client_request":
                continue
            if code.label == "refusal":
                if refused or (code.rule == "refusal.no" and not asked):
                    continue
                refused = True
            keep.append(code)
        return keep

    @staticmethod
    def _answer_refusals(
        partial: DyadPartial,
        unanswered: list[dict[str, Any]],
        utterance_id: str,
        coded: HelperCodes,
    ) -> None:
        """The helper's turn answers every client refusal since the helper's last turn."""
        pressure = [m for m in coded.moves if m.label in ("directive", "advice")]
        for refusal in unanswered:
            refusal["response_id"] = utterance_id
            refusal["respected"] = not pressure
            refusal["evidence"] = (
                f"rule:{pressure[0].rule}" if pressure else "no directive or advice in the reply"
            )
            partial.counts["refusals_respected" if not pressure else "refusals_pressured"] += 1

    def combine(self, a: DyadPartial, b: DyadPartial) -> DyadPartial:
        return DyadPartial(
            counts=a.counts + b.counts,
            signals=a.signals + b.signals,
            refusals=a.refusals + b.refusals,
            roles={**a.roles, **b.roles},
            decisions=a.decisions + b.decisions,
            helpers=a.helpers + b.helpers,
        )

    def finalize(self, partial: DyadPartial) -> MeasureResult:
        section = summarize(partial)
        scores = {}
        if section["index"]["value"] is not None:
            scores["power_differential"] = section["index"]["value"]
        speakers = {name: {"dyad_role": role} for name, role in partial.roles.items()}
        return MeasureResult(
            speakers=speakers, signals=partial.signals, scores=scores, sections={"dyad": section}
        )


DYAD = Dyad()
