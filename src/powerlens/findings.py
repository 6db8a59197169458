"""Findings: measures and signals turned into statements a person can act on.

Each finding names a framework concept (``framework/framework.toml``), says in plain words
what the conversation shows, how strong the signal is and how that was computed, which
utterances support it, and a reflective prompt fitted to it. Findings are signals to
explore, never verdicts about a person: they describe turns, not character.

Every finder reads only what the measure families produced and returns nothing when its
family did not run, so the layer works with whichever families exist.
"""

from __future__ import annotations

import tomllib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from functools import cache
from importlib import resources
from typing import Any

from powerlens.model import ConversationReport, Finding, Signal


@cache
def framework() -> dict[str, Any]:
    """The framework's concepts, definitions and prompts, as editable data."""
    text = resources.files("powerlens.framework").joinpath("framework.toml").read_text("utf-8")
    return tomllib.loads(text)


def concept(key: str) -> dict[str, str]:
    """One concept's title, definition, note and prompt."""
    found: dict[str, str] = framework()["concepts"][key]
    return found


def framework_note(title: str) -> str | None:
    """The framework note (an Obsidian page name) behind a concept title, if any."""
    for c in framework()["concepts"].values():
        if c["title"] == title:
            note: str = c["note"]
            return note
    return None


def _finding(
    key: str, statement: str, strength: float, evidence: Iterable[str], basis: str
) -> Finding:
    c = concept(key)
    return Finding(
        concept=c["title"],
        statement=statement,
        strength=max(0.0, min(1.0, strength)),
        evidence=tuple(dict.fromkeys(evidence)),
        prompt=c["prompt"],
        strength_basis=basis,
    )


def _names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _short(text: str, limit: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _signals(report: ConversationReport, family: str) -> list[Signal]:
    return [s for s in report.signals if s.family == family]


def talk_share(report: ConversationReport) -> list[Finding]:
    """One speaker holding clearly more than an even share of the words."""
    speakers = {n: s for n, s in report.speakers.items() if "words" in s}
    if len(speakers) < 2:
        return []
    even = 1 / len(speakers)
    name, top = max(speakers.items(), key=lambda item: item[1]["words"])
    share = float(top["word_share"])
    if share < even + 0.1:
        return []
    total = sum(int(s["words"]) for s in speakers.values())
    own = [u for u in report.conversation.utterances if u.speaker == name]
    longest = sorted(own, key=lambda u: -len(u.text))[:3]
    others = ", ".join(f"{n} {s['word_share']:.0%}" for n, s in speakers.items() if n != name)
    statement = (
        f"{name} did {share:.0%} of the talking ({top['words']} of {total} words; {others}); "
        f"the longest turn was {top['longest_monologue_words']} words."
    )
    strength = (share - even) / (1 - even)
    basis = (
        "(word share − even share) / (1 − even share) = "
        f"({share:.2f} − {even:.2f}) / {1 - even:.2f}"
    )
    return [_finding("talk_share", statement, strength, (u.id for u in longest), basis)]


def interruptions(report: ConversationReport) -> list[Finding]:
    """Someone interrupting at least twice, and more often than they were interrupted."""
    found = []
    signals = [s for s in _signals(report, "talk") if s.label == "interruption"]
    by_speaker: dict[str, list[Signal]] = defaultdict(list)
    for s in signals:
        by_speaker[s.speaker].append(s)
    for name, made in by_speaker.items():
        received = int(report.speakers.get(name, {}).get("interruptions_received", 0))
        if len(made) < 2 or len(made) <= received:
            continue
        targets = Counter(s.target for s in made if s.target)
        whom = _names([f"{t} ({n}×)" for t, n in targets.most_common()])
        statement = (
            f"{name} started a turn before the other person had finished {len(made)} times "
            f"(cutting in on {whom}), and was cut in on {received} times."
        )
        strength = len(made) / (len(made) + received + 2)
        basis = f"made / (made + received + 2) = {len(made)} / {len(made) + received + 2}"
        found.append(
            _finding("interruptions", statement, strength, (s.utterance_id for s in made), basis)
        )
    return found


def unanswered_questions(report: ConversationReport) -> list[Finding]:
    """Questions from one person that repeatedly got no answer."""
    talk = report.sections.get("talk") or {}
    by_asker: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for q in talk.get("questions", []):
        by_asker[q["by"]].append(q)
    found = []
    for name, questions in by_asker.items():
        open_ = [q for q in questions if q["answered_by"] is None]
        if len(open_) < 2:
            continue
        statement = f"{len(open_)} of {name}'s {len(questions)} questions got no answer."
        strength = len(open_) / len(questions)
        basis = f"unanswered / asked = {len(open_)} / {len(questions)}"
        found.append(
            _finding("questions", statement, strength, (q["utterance_id"] for q in open_), basis)
        )
    return found


MAX_FATES = 10
"""``plan_enacted`` names the fate of at most this many of the others' proposals (the latest);
the earlier ones are counted by outcome, so a history of years gives a statement one can read."""


SETTLED = {
    "accepted": "the others took it up",
    "gave_in": "it was taken up after the other side refused or countered, then gave in",
    "restated": "its proposer restated it as settled",
    "unopposed": "it was put forward and nobody opposed it, which is not the same as agreeing",
}
SETTLED_STRENGTH = {"accepted": 0.8, "gave_in": 0.75, "restated": 0.6, "unopposed": 0.4}
"""How sure the reading of whose plan won is, by how the plan was settled: an explicit uptake
is the surest, silence the least sure."""


def plan_enacted(report: ConversationReport) -> list[Finding]:
    """Whose plan was enacted, and what happened to the other proposals."""
    decision = report.sections.get("decision")
    proposals = report.sections.get("proposals") or []
    if not decision or not decision.get("plan_of"):
        return []
    winner = decision["plan_of"]
    others = [p for p in proposals if p.get("by") != winner]
    shown = others[-MAX_FATES:]
    wanted = {p["utterance_id"] for p in shown}
    texts = {u.id: u.text for u in report.conversation.utterances if u.id in wanted}
    fates = [
        f"{p['by']}'s proposal “{_short(texts.get(p['utterance_id'], ''))}” was {p['outcome']}"
        for p in shown
    ]
    if len(others) > len(shown):
        earlier = Counter(str(p.get("outcome")) for p in others[: -len(shown)])
        listed = ", ".join(f"{n} {outcome}" for outcome, n in earlier.most_common())
        fates.insert(0, f"{len(others) - len(shown)} earlier proposals by others ({listed})")
    joint = " (a joint plan combining both sides)" if decision.get("joint") else ""
    settled = decision.get("settled", "accepted")
    how = f" ({SETTLED[settled]})" if settled in SETTLED else ""
    statement = f"{winner}'s plan{joint} was the one enacted{how}" + (
        f"; {'; '.join(fates)}." if fates else "."
    )
    strength = SETTLED_STRENGTH.get(settled, 0.5)
    basis = (
        f"how the plan was settled ({settled}): taken up 0.8, given in to 0.75, restated as "
        "settled by its proposer 0.6, put forward and not opposed 0.4"
    )
    evidence = [*decision.get("evidence", []), *(p["utterance_id"] for p in others)]
    return [_finding("plan_enacted", statement, strength, evidence, basis)]


def power_bases(report: ConversationReport) -> list[Finding]:
    """The bases of power each speaker drew on, coercive and reward first."""
    found = []
    by_speaker: dict[str, list[Signal]] = defaultdict(list)
    for s in _signals(report, "power_base"):
        by_speaker[s.speaker].append(s)
    for name, signals in by_speaker.items():
        labels = Counter(s.label for s in signals)
        order = sorted(labels, key=lambda lab: (lab not in ("coercive", "reward"), -labels[lab]))
        used = _names(
            [f"{lab} ({labels[lab]} turn{'s' if labels[lab] > 1 else ''})" for lab in order]
        )
        statement = f"{name}'s turns carry signals of {used} power."
        strength = max(s.score for s in signals)
        found.append(
            _finding(
                "power_bases",
                statement,
                strength,
                (s.utterance_id for s in signals),
                "the highest score among these signals",
            )
        )
    return found


def power_over(report: ConversationReport) -> list[Finding]:
    """Speakers whose turns lean towards power over (commands, prohibitions, monitoring)."""
    found = []
    by_speaker: dict[str, list[Signal]] = defaultdict(list)
    for s in _signals(report, "stance"):
        by_speaker[s.speaker].append(s)
    for name, signals in by_speaker.items():
        over = [s for s in signals if s.label == "power_over"]
        if len(over) < 2:
            continue
        counts = Counter(s.label for s in signals)
        kinds = Counter(s.subtype or "power over" for s in over)
        statement = (
            f"{name}'s turns show power over {counts['power_over']} times "
            f"({_names([f'{k} {n}×' for k, n in kinds.most_common()])}), power with "
            f"{counts['power_with']} and power to {counts['power_to']} times."
        )
        strength = len(over) / (len(signals) + 1)
        basis = f"power-over signals / (all stance signals + 1) = {len(over)} / {len(signals) + 1}"
        found.append(
            _finding("power_over", statement, strength, (s.utterance_id for s in over), basis)
        )
    return found


BOUNDARY_FINDINGS = 12
"""Refusals that each get a finding of their own; past this (a long chat) they are counted
together, one finding per person and kind of response, every refusal kept as evidence."""
BOUNDARY_WEIGHTS = {"punished": 0.9, "pressured": 0.6, "unanswered": 0.3, "respected": 0.2}


def boundary_check(report: ConversationReport) -> list[Finding]:
    """What happened after each "no": respected, pressured, punished or left unanswered."""
    boundaries = report.sections.get("boundaries") or []
    if len(boundaries) > BOUNDARY_FINDINGS:
        return _boundary_counts(boundaries)
    found = []
    for b in boundaries:
        response = b.get("response", "unanswered")
        by = b.get("by", "someone")
        text = {
            "respected": f"When {by} said no, the reply respected it.",
            "pressured": f"When {by} said no, the reply pressed on the request.",
            "punished": (
                f"When {by} said no, the reply carried a cost (anger, guilt, threat or withdrawal)."
            ),
            "unanswered": f"When {by} said no, nobody responded to it.",
        }.get(response, f"When {by} said no, the response was {response}.")
        if b.get("capitulated"):
            text += f" {by} later went along with the request."
        found.append(
            _finding(
                "boundary_check",
                text,
                BOUNDARY_WEIGHTS.get(response, 0.3),
                [b["refusal"], *b.get("response_utterances", [])],
                f"fixed weight for a '{response}' response",
            )
        )
    return found


def _boundary_counts(boundaries: list[dict[str, Any]]) -> list[Finding]:
    """The Boundary Check of many refusals: one finding per person and kind of response, the
    most costly first, with every refusal and its replies as evidence."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    totals: Counter[str] = Counter()
    for b in boundaries:
        by = str(b.get("by", "someone"))
        groups.setdefault((by, str(b.get("response", "unanswered"))), []).append(b)
        totals[by] += 1
    found = []
    for (by, response), group in groups.items():
        share = f"{len(group)} of the {totals[by]} times"
        text = {
            "respected": f"When {by} said no ({share}), the reply respected it.",
            "pressured": f"When {by} said no ({share}), the reply pressed on the request.",
            "punished": (
                f"When {by} said no ({share}), the reply carried a cost (anger, guilt, threat "
                "or withdrawal)."
            ),
            "unanswered": f"When {by} said no ({share}), nobody responded to it.",
        }.get(response, f"When {by} said no ({share}), the response was {response}.")
        gave_in = sum(1 for b in group if b.get("capitulated"))
        if gave_in:
            text += f" {by} later went along with the request {gave_in} of those times."
        evidence = [u for b in group for u in (b["refusal"], *b.get("response_utterances", []))]
        basis = (
            f"fixed weight for a '{response}' response; {len(group)} refusals answered this "
            f"way, counted together (more than {BOUNDARY_FINDINGS} refusals in the conversation)"
        )
        found.append(
            _finding(
                "boundary_check", text, BOUNDARY_WEIGHTS.get(response, 0.3), evidence, basis
            )
        )
    return sorted(found, key=lambda f: -f.strength)


def manipulation(report: ConversationReport) -> list[Finding]:
    """Turns that match manipulation tactics, and the conversation's calibrated score."""
    signals = _signals(report, "tactic")
    score = report.scores.get("manipulation")
    if not signals or score is None or score < 0.5:
        return []
    labels = Counter(s.label.replace("_", " ") for s in signals)
    speakers = Counter(s.speaker for s in signals)
    main = speakers.most_common(1)[0][0]
    targets = Counter(s.target for s in signals if s.speaker == main and s.target)
    toward = f" toward {targets.most_common(1)[0][0]}" if targets else ""
    statement = (
        f"{len(signals)} turns match patterns that are often used to make someone doubt their "
        f"own perception ({_names([f'{k} {n}×' for k, n in labels.most_common()])}); most come "
        f"from {main}{toward}."
    )
    return [
        _finding(
            "manipulation",
            statement,
            score,
            (s.utterance_id for s in signals),
            "the calibrated conversation-level manipulation score",
        )
    ]


def self_talk(report: ConversationReport) -> list[Finding]:
    """Self-critical talk and appeasement, gathered per speaker."""
    found = []
    by_speaker: dict[str, list[Signal]] = defaultdict(list)
    for s in _signals(report, "self_talk"):
        by_speaker[s.speaker].append(s)
    for name, signals in by_speaker.items():
        if len(signals) < 2:
            continue
        labels = Counter(s.label.replace("_", " ") for s in signals)
        statement = (
            f"{name} spoke of themselves critically or apologised in a placating way "
            f"{len(signals)} times ({_names([f'{k} {n}×' for k, n in labels.most_common()])})."
        )
        found.append(
            _finding(
                "self_talk",
                statement,
                min(1.0, len(signals) / 5),
                (s.utterance_id for s in signals),
                "signals / 5, at most 1",
            )
        )
    return found


def therapeutic_dyad(report: ConversationReport) -> list[Finding]:
    """The helper–client power differential, when the dyad family ran."""
    index = report.scores.get("power_differential")
    dyad = report.sections.get("dyad")
    if index is None or not isinstance(dyad, dict):
        return []
    helper = dyad.get("helper", "the helper")
    share = report.speakers.get(helper, {}).get("word_share")
    talk = f" and did {share:.0%} of the talking" if isinstance(share, float) else ""
    statement = f"The power-differential index is {index:.2f}{talk} for {helper}."
    directive = [s.utterance_id for s in _signals(report, "dyad") if s.label == "directive"]
    return [
        _finding(
            "therapeutic_dyad",
            statement,
            index,
            directive,
            "the power-differential index (components in the dyad section)",
        )
    ]


def systemic_power(report: ConversationReport) -> list[Finding]:
    """Declared systemic power per dyad beside the conversational power observed."""
    section = report.sections.get("systemic") or {}
    found = []
    for dyad in section.get("dyads", []):
        a, b, value = dyad["more_declared_power"], dyad["other"], dyad["declared_differential"]
        if value < 0.2:
            continue
        parts = ", ".join(f"{k.replace('_', ' ')} {v:+.2f}" for k, v in dyad["components"].items())
        statement = f"By what each declared, {a} holds more systemic power than {b} ({parts})."
        if dyad["conflict_dynamics_pattern"]:
            gap = dyad["observed_word_share_gap"]
            statement += (
                f" {a} also did more of the talking ({gap * 100:.0f} percentage points more of the"
                " words): the pattern where the person with more systemic power also dominates "
                "the conversation, and so has less incentive to change."
            )
        evidence = [u.id for u in report.conversation.utterances if u.speaker == a][:3]
        found.append(
            _finding(
                "systemic_power",
                statement,
                min(1.0, value),
                evidence,
                "the mean of the declared components (income, money management, authority,"
                " privileged groups)",
            )
        )
    return found


FINDERS: tuple[Callable[[ConversationReport], list[Finding]], ...] = (
    talk_share,
    interruptions,
    unanswered_questions,
    plan_enacted,
    power_bases,
    power_over,
    boundary_check,
    manipulation,
    self_talk,
    therapeutic_dyad,
    systemic_power,
)
"""Finders in the order reports show them; add one function here to add a finding."""


def derive(report: ConversationReport) -> list[Finding]:
    """All findings for one conversation, strongest first within the framework's order."""
    findings: list[Finding] = []
    for finder in FINDERS:
        findings.extend(sorted(finder(report), key=lambda f: -f.strength))
    return findings
