"""From speech acts to the framework's readings: control acts, Power Over / With / To, bases.

One utterance's ``Reading`` (``language.acts``) becomes moves ``Hit``s:

- ``act``: every speech act, labelled with the act and, as subtype, whose conduct it targets;
- ``stance`` ``power_over`` with a control category as subtype, by the rules in
  ``lexicons/moves/control.tsv`` (act × target × topic: a prohibition on the addressee's
  contact with people is isolation; a demand for proof of whereabouts is monitoring; a threat is
  intimidation; a decision made for the addressee is deciding for another), ``command`` for a
  directive that leaves no room ("I'm not asking", "because I said so") and ``dismissing`` for
  undervaluing the other's needs ("you don't need firewood");
- ``stance`` ``power_with`` (joint proposals, trade-offs, open-floor questions, offers,
  invitations) and ``power_to`` (the speaker's own agency);
- ``power_base`` ``coercive`` for threats and ``reward`` for promises (French & Raven 1959);
- ``proposal`` and ``boundary`` ``refusal`` hits for the turn structures.

Known limits: a control act needs its topic in the same clause as the act ("don't. not him."
split over clauses is missed); categories are the Duluth wheel's and Stark's, which describe
intimate-partner control: a parent's ordinary rules for a young child read as regulating
everyday life.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

from powerlens.language.acts import Act, Reading, topics_of

CONTROL_CATEGORIES = (
    "monitoring",
    "isolation",
    "economic_control",
    "intimidation",
    "deciding_for_another",
    "degradation",
    "regulating_everyday_life",
)
"""Control acts (Duluth wheel; Stark 2007; UK statutory guidance on coercive control)."""

COMMANDS = frozenset(
    {
        "acts.directive.must",
        "acts.directive.want",
        "acts.directive.not_asking",
        "acts.directive.permission",
        "acts.directive.command_strong",
        "acts.directive.command_list",
        "acts.directive.command_will",
    }
)
"""Directives that leave no room for a no: power over (``command``) even without a topic."""
PROHIBITIONS = frozenset(
    {
        "acts.prohibition.forbid",
        "acts.prohibition.cant",
        "acts.prohibition.not_allowed",
        "acts.prohibition.not_going",
        "acts.prohibition.no_more",
        "acts.prohibition.strong_not_allowed",
        "acts.prohibition.strong_dont",
    }
)
"""Prohibitions on the other's conduct that read as power over (``prohibition``) even without
a topic; a plain "don't..." ("don't eat that, it's off") needs a topic to be a control act."""

WITH_KINDS = {
    "proposal.lets": "joint_proposal",
    "proposal.shall_we": "joint_proposal",
    "proposal.we_could": "joint_proposal",
    "proposal.how_about": "joint_proposal",
    "proposal.suggest": "joint_proposal",
    "proposal.trade": "trade_off",
    "proposal.offer_items": "trade_off",
    "elicit.preferences": "open_floor",
    "openfloor.up_to_you": "open_floor",
    "offer.help": "offer",
    "offer.want_me": "offer",
    "proposal.lets_v1": "joint_proposal",
    "proposal.we_should": "joint_proposal",
    "proposal.question": "joint_proposal",
    "proposal.invite": "invitation",
    "acceptance.build": "building",
}
"""Act rules whose acts share power (Power With, VeneKlasen & Miller 2002), and how."""

PROPOSAL_KINDS = {
    "proposal.plan": "plan",
    "proposal.plan_v1": "plan",
    "proposal.claim": "claim",
    "proposal.trade": "trade",
    "proposal.offer_items": "trade",
    "proposal.lets": "joint",
    "proposal.lets_v1": "joint",
    "proposal.we_could": "suggestion",
    "proposal.we_should": "suggestion",
    "proposal.suggest": "suggestion",
    "proposal.suggest_v1": "suggestion",
    "proposal.prefer": "suggestion",
    "proposal.invite": "invitation",
    "proposal.vote": "suggestion",
    "proposal.permission": "suggestion",
    "proposal.event": "question",
    "proposal.number": "trade",
}
"""Proposal subtypes the turn structures read; other proposal rules are ``question``."""


@dataclass(frozen=True, slots=True)
class ControlRule:
    """One row of control.tsv: a category, the acts and topics it needs, and its weight."""

    category: str
    acts: frozenset[str]
    topics: frozenset[str]
    score: float
    mark: str | None = None

    def takes(self, act: Act) -> bool:
        """The act is one this row reads (by act name, or by its rule's name)."""
        return act.act in self.acts or act.rule in self.acts

    @property
    def topic_alone(self) -> bool:
        """The row needs no act: the topic is itself the control act ("it's them or me")."""
        return "-" in self.acts


@cache
def control_rules() -> tuple[ControlRule, ...]:
    """The rows of ``lexicons/moves/control.tsv``."""
    text = resources.files("powerlens.lexicons").joinpath("moves/control.tsv").read_text("utf-8")
    rules = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != 4:
            raise ValueError(f"moves/control.tsv:{number}: expected category, acts, topics, score")
        category, acts, topics, score = fields
        if category not in CONTROL_CATEGORIES:
            raise ValueError(f"moves/control.tsv:{number}: unknown category {category!r}")
        names, _, mark = acts.partition("@")
        rules.append(
            ControlRule(
                category,
                frozenset(names.split(",")),
                frozenset(topics.split(",")),
                float(score),
                mark or None,
            )
        )
    return tuple(rules)


@dataclass(frozen=True, slots=True)
class Control:
    """A control act found in one utterance: its category, span, score and the rule behind it."""

    category: str
    span: tuple[int, int]
    score: float
    rule: str


FIRM_RULES = frozenset(
    {
        "acts.prohibition.forbid",
        "acts.prohibition.not_allowed",
        "acts.prohibition.strong_not_allowed",
        "acts.prohibition.strong_dont",
        "acts.decision.for_other",
        "acts.decision.for_other_say",
        "acts.decision.take",
        "acts.decision.rule",
        "acts.threat.harm",
        "acts.dismissal.insult",
        "acts.dismissal.belittle",
        "acts.dismissal.belittle2",
        "acts.dismissal.belittle3",
        "acts.decision.decided_for",
        "acts.threat.expose",
    }
)
"""Act rules whose control reading stands whatever the framing: explicit prohibitions,
decisions taken for the other, threats of harm or of exposure ("do you want me to tell your
boss about your little problem?" is no offer), insults. Threats stated with a listed
consequence are firm too (``consequence.*`` except the generic ``consequence.enforced``)."""
SOFT_CONSEQUENCES = frozenset(
    {"consequence.enforced", "consequence.cost.things", "consequence.cost.out2"}
)
"""Consequences read as threats that framing can still soften ("the wifi goes off anyway, it's
on the timer you set")."""
SOFTENING = frozenset({"care", "autonomy", "warmth", "practical"})
"""Marks that withdraw the control reading of a soft act (a demand, a question, a veiled
threat): a reason of care or practical need, room left for the other's choice, warmth."""
BACK_REFERENCES = frozenset({"acts.decision.backref"})
"""Acts that point back to the speaker's say ("why are you at the gym when I told you not
to?"): what they are about may come before them in the clause."""
NEAR_ACTS = frozenset({"prohibition", "threat", "decision", "directive"})
"""Acts whose topic may sit in the clause before them ("Your mum's again? Don't go.")."""


OFFER_SOFTENS = frozenset(
    {
        "acts.directive.imperative",
        "acts.directive.command_list",
        "acts.directive.ellipsis",
        "acts.request.modal",
        "acts.request.mind",
        "acts.request.asked",
        "acts.question",
    }
)
"""Plain asks that an offer in the same message turns into a practical step ("send me your
location, I'll come and get you"); "I want you to hand your wages over and I'll give you an
allowance" keeps its reading."""


def _offered(reading: Reading) -> bool:
    """The speaker offers to do something for the other, and the message does not ask them to
    stop work or study ("quit that job, I'll sort the money" is not an offer of help)."""
    if not any(a.act == "offer" and a.target == "self" for a in reading.acts):
        return False
    return not any(t.rule == "about.work_stop" for t in reading.topics)


def is_firm(act: Act) -> bool:
    """An act whose control reading no softening mark withdraws."""
    if act.rule in FIRM_RULES:
        return True
    return act.rule.startswith("consequence.") and act.rule not in SOFT_CONSEQUENCES


def _suppressed(reading: Reading, act: Act | None) -> bool:
    """Marks that withdraw a control reading: a joke, a rule the other asked for, or (for a
    soft act) care, room for the other's choice, warmth or a practical reason."""
    marks = reading.marks
    if "joke" in marks or "requested" in marks:
        return True
    if act is not None and is_firm(act):
        return False
    if "imposing" in marks and "autonomy" not in marks:
        return False
    if act is not None and act.rule in OFFER_SOFTENS and _offered(reading):
        return True  # "give me your card number and I'll book the tickets": the ask serves them
    return bool(marks & SOFTENING)


def _closes_alone(reading: Reading, act: Act) -> bool:
    """A closing line ("that's not up for discussion") after the speaker's own choice is a
    boundary, not a decision for the other: it counts only beside an act aimed at them."""
    if act.rule != "acts.decision.closing":
        return False
    return not any(
        (
            a.target == "addressee"
            and a.act in ("directive", "prohibition", "threat", "decision")
            and a.rule != act.rule
        )
        or (a.act == "proposal" and a.target == "joint")
        for a in reading.acts
    )


@cache
def _alone_topics() -> frozenset[str]:
    """The topic rules that are control acts by themselves ("it's them or me")."""
    return frozenset(t for r in control_rules() if r.topic_alone for t in r.topics)


def _eligible(act: Act) -> bool:
    """An act some control row could read: aimed at the addressee (or nobody in particular)."""
    if act.target not in ("addressee", "none") or act.act in ("acceptance", "refusal"):
        return False
    return any(rule.takes(act) for rule in control_rules())


def controls(reading: Reading) -> list[Control]:
    """The control acts of one utterance: for each category, its strongest reading.

    Topics and marks are read only when an act or a stand-alone topic makes a control act
    possible, which most utterances never do.
    """
    alone = topics_of(reading.text, _alone_topics())
    candidates = [act for act in reading.acts if _eligible(act)]
    if not alone and not candidates:
        return []
    if "joke" in reading.marks or "requested" in reading.marks:
        return []
    best: dict[str, Control] = {}

    def keep(found: Control) -> None:
        if found.category not in best or best[found.category].score < found.score:
            best[found.category] = found

    if alone and not _suppressed(reading, None):
        for rule in control_rules():
            for topic in alone if rule.topic_alone else ():
                if topic.rule in rule.topics or topic.domain in rule.topics:
                    score = round(rule.score * topic.score, 3)
                    keep(Control(rule.category, topic.span, score, topic.rule))
    for act in candidates:
        if _suppressed(reading, act) or _closes_alone(reading, act):
            continue
        if act.act == "question" and any(
            a.clause == act.clause and a.act in ("proposal", "offer") for a in reading.acts
        ):  # "why don't you open your own account?" suggests; it does not interrogate
            continue
        for found in _act_controls(reading, act):
            keep(found)
    return sorted(best.values(), key=lambda c: (c.span, c.category))


def _bare(reading: Reading, act: Act) -> bool:
    """The act's clause is short enough to point back to the one before ("Don't. Not him.")."""
    start, end = reading.clauses[act.clause]
    return len(reading.text[start:end].split()) <= 3


def _act_controls(reading: Reading, act: Act) -> list[Control]:
    """The control acts one act makes with the topics of its clause (or the clause before).

    A row whose topics are ``else`` reads the act only when no row with a topic read it (a
    decision about money is economic control; about nothing named, deciding for another)."""
    clause_topics = [
        t
        for t in reading.topics_in(act.clause)
        if t.span[1] > act.span[0] or act.rule in BACK_REFERENCES
    ]
    before = (
        reading.topics_in(act.clause - 1)
        if act.clause and act.act in NEAR_ACTS and _bare(reading, act)
        else []
    )
    found: list[Control] = []
    fallback: list[Control] = []
    for rule in control_rules():
        if rule.topic_alone or not rule.takes(act):
            continue
        if rule.mark is not None and rule.mark not in reading.marks:
            continue
        if "else" in rule.topics:
            score = round(rule.score * act.score, 3)
            fallback.append(Control(rule.category, act.span, score, f"{act.rule}+else"))
            continue
        if "any" in rule.topics:
            topic_span, topic_name = act.span, "any"
        else:
            matching = [
                t for t in clause_topics if t.domain in rule.topics or t.rule in rule.topics
            ] or [t for t in before if t.domain in rule.topics or t.rule in rule.topics]
            if not matching:
                continue
            topic = max(matching, key=lambda t: t.score)
            topic_span, topic_name = topic.span, topic.rule
        score = round(rule.score * act.score, 3)
        span = (min(act.span[0], topic_span[0]), max(act.span[1], topic_span[1]))
        found.append(Control(rule.category, span, score, f"{act.rule}+{topic_name}"))
    if not any(f.rule.rsplit("+", 1)[1] != "any" for f in found):
        found.extend(fallback)
    return found


def with_kind(act: Act) -> str | None:
    """How an act shares power (``joint_proposal``, ``trade_off``, ``open_floor``, ``offer``)."""
    return WITH_KINDS.get(act.rule.removeprefix("acts."))


def proposal_kind(act: Act) -> str:
    """The proposal subtype the turn structures read (plan, claim, trade, joint, question)."""
    return PROPOSAL_KINDS.get(act.rule.removeprefix("acts."), "question")
