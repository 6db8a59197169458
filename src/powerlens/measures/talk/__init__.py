"""Talk: who did the most talking (the first question of the Tracking Influence practice).

Per speaker: words, turns (runs of consecutive utterances by one speaker), share of words and,
when utterances have start and end times, of speaking time; the longest monologue (the most
words in one turn); interruptions made and received; questions asked and answered; and per
conversation who opened, who closed and who had the last word.

Definitions and known limits:
- An *interruption* is an utterance that starts before the previous speaker's utterance ends
  (overlap, needs timestamps), or one that follows an utterance cut off with a trailing
  ``--``, ``—`` or ``–`` (textual cut-off, as transcribers mark it). Back-channels that overlap
  ("mm-hm") count too; transcripts rarely keep them apart.
- A *question* is an utterance containing ``?``. It is *answered* by the first reply from
  another speaker (by ``reply_to`` when the data has reply links, otherwise the next
  utterance) that contains at least one sentence that is not itself a question.
- The *last word* goes to the speaker of the last utterance that is not only a closing
  formula ("ok", "thanks, bye"; ``lexicons/closings.txt``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from powerlens.language import Tokens
from powerlens.lexicons import word_list
from powerlens.measures.base import Options
from powerlens.model import Conversation, MeasureResult, Signal, Utterance

CUT_OFF_MARKS = ("--", "—", "–")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


@dataclass
class SpeakerTally:
    """Additive counts for one speaker."""

    words: int = 0
    utterances: int = 0
    turns: int = 0
    seconds: float = 0.0
    longest_monologue_words: int = 0
    interruptions_made: int = 0
    interruptions_received: int = 0
    questions_asked: int = 0
    questions_answered: int = 0
    opened: int = 0
    closed: int = 0
    last_word: int = 0

    def plus(self, other: SpeakerTally) -> SpeakerTally:
        """A new tally with both tallies' counts (the longest monologue is the longer one)."""
        return SpeakerTally(
            words=self.words + other.words,
            utterances=self.utterances + other.utterances,
            turns=self.turns + other.turns,
            seconds=self.seconds + other.seconds,
            longest_monologue_words=max(
                self.longest_monologue_words, other.longest_monologue_words
            ),
            interruptions_made=self.interruptions_made + other.interruptions_made,
            interruptions_received=self.interruptions_received + other.interruptions_received,
            questions_asked=self.questions_asked + other.questions_asked,
            questions_answered=self.questions_answered + other.questions_answered,
            opened=self.opened + other.opened,
            closed=self.closed + other.closed,
            last_word=self.last_word + other.last_word,
        )


@dataclass
class TalkPartial:
    """Talk counts for one or more conversations, plus the events behind them."""

    speakers: dict[str, SpeakerTally] = field(default_factory=dict)
    timed: bool = True
    conversations: int = 0
    interruptions: list[dict[str, Any]] = field(default_factory=list)
    questions: list[dict[str, Any]] = field(default_factory=list)
    floor: dict[str, dict[str, str] | None] = field(default_factory=dict)


def _is_answer(text: str) -> bool:
    """True when ``text`` holds at least one sentence that is not a question."""
    if "?" not in text:
        return bool(text.strip())
    return any(s.strip() and not s.rstrip().endswith("?") for s in SENTENCE_END.split(text.strip()))


def _only_closing(words: list[str], closings: frozenset[str]) -> bool:
    return all(w in closings for w in words)


class Talk:
    """The talk measure family (map / combine / finalize)."""

    name = "talk"
    requires: frozenset[str] = frozenset()

    def map(self, conversation: Conversation, tokens: Tokens, options: Options) -> TalkPartial:
        utterances = conversation.utterances
        partial = TalkPartial(conversations=1, timed=conversation.has_timestamps())
        tallies = partial.speakers
        previous: Utterance | None = None
        previous_speaker: str | None = None
        run_words = 0
        for utterance, words in zip(utterances, tokens, strict=True):
            speaker = utterance.speaker
            tally = tallies.get(speaker)
            if tally is None:
                tally = tallies[speaker] = SpeakerTally()
            n = len(words)
            tally.words += n
            tally.utterances += 1
            start, end = utterance.start, utterance.end
            if start is not None and end is not None and end > start:
                tally.seconds += end - start
            if speaker != previous_speaker:
                tally.turns += 1
                run_words = n
                if previous is not None:
                    kind = _interruption_kind(previous, utterance)
                    if kind is not None:
                        self._interrupted(partial, previous, utterance, kind)
            else:
                run_words += n
            if run_words > tally.longest_monologue_words:
                tally.longest_monologue_words = run_words
            if "?" in utterance.text:
                tally.questions_asked += 1
            previous, previous_speaker = utterance, speaker
        self._answer_questions(conversation, partial)
        self._floor(conversation, tokens, partial)
        return partial

    @staticmethod
    def _interrupted(
        partial: TalkPartial, previous: Utterance, utterance: Utterance, kind: str
    ) -> None:
        partial.speakers[utterance.speaker].interruptions_made += 1
        partial.speakers[previous.speaker].interruptions_received += 1
        partial.interruptions.append(
            {
                "utterance_id": utterance.id,
                "by": utterance.speaker,
                "of": previous.speaker,
                "interrupted_utterance_id": previous.id,
                "kind": kind,
                "span": (0, len(utterance.text)),
            }
        )

    def _answer_questions(self, conversation: Conversation, partial: TalkPartial) -> None:
        utterances = conversation.utterances
        replies: dict[str, list[Utterance]] = {}
        linked = conversation.has_reply_links()
        if linked:
            for u in utterances:
                if u.reply_to is not None:
                    replies.setdefault(u.reply_to, []).append(u)
        for i, question in enumerate(utterances):
            if "?" not in question.text:
                continue
            if linked:
                candidates = [
                    r for r in replies.get(question.id, []) if r.speaker != question.speaker
                ]
            else:
                following = utterances[i + 1] if i + 1 < len(utterances) else None
                candidates = (
                    [following] if following and following.speaker != question.speaker else []
                )
            answer = next((c for c in candidates if _is_answer(c.text)), None)
            if answer is not None:
                partial.speakers[answer.speaker].questions_answered += 1
            partial.questions.append(
                {
                    "utterance_id": question.id,
                    "by": question.speaker,
                    "answered_by": answer.speaker if answer else None,
                    "answer_id": answer.id if answer else None,
                }
            )

    def _floor(self, conversation: Conversation, tokens: Tokens, partial: TalkPartial) -> None:
        utterances = conversation.utterances
        if not utterances:
            partial.floor = {"opened_by": None, "closed_by": None, "last_word": None}
            return
        first, last = utterances[0], utterances[-1]
        closings = word_list("closings")
        last_word = next(
            (
                u
                for u, words in zip(reversed(utterances), reversed(tokens), strict=True)
                if words and not _only_closing(words, closings)
            ),
            last,
        )
        partial.speakers[first.speaker].opened += 1
        partial.speakers[last.speaker].closed += 1
        partial.speakers[last_word.speaker].last_word += 1
        partial.floor = {
            name: {"speaker": u.speaker, "utterance_id": u.id}
            for name, u in (("opened_by", first), ("closed_by", last), ("last_word", last_word))
        }

    def combine(self, a: TalkPartial, b: TalkPartial) -> TalkPartial:
        """Add the per-speaker tallies; events are kept only while one side is empty.

        Events (each interruption and question) belong to one conversation's report; a corpus
        run keeps them per conversation, so merging many conversations stays linear.
        """
        if a.conversations == 0:
            return b
        if b.conversations == 0:
            return a
        speakers = dict(a.speakers)
        for name, tally in b.speakers.items():
            mine = speakers.get(name)
            speakers[name] = tally if mine is None else mine.plus(tally)
        return TalkPartial(
            speakers=speakers,
            timed=a.timed and b.timed,
            conversations=a.conversations + b.conversations,
        )

    def finalize(self, partial: TalkPartial) -> MeasureResult:
        total_words = sum(t.words for t in partial.speakers.values())
        total_seconds = sum(t.seconds for t in partial.speakers.values())
        timed = partial.timed and total_seconds > 0
        speakers: dict[str, dict[str, Any]] = {}
        for name, t in partial.speakers.items():
            speakers[name] = {
                "words": t.words,
                "turns": t.turns,
                "utterances": t.utterances,
                "word_share": t.words / total_words if total_words else 0.0,
                "seconds": round(t.seconds, 3) if timed else None,
                "time_share": t.seconds / total_seconds if timed else None,
                "longest_monologue_words": t.longest_monologue_words,
                "interruptions_made": t.interruptions_made,
                "interruptions_received": t.interruptions_received,
                "questions_asked": t.questions_asked,
                "questions_answered": t.questions_answered,
                "opened": t.opened,
                "closed": t.closed,
                "last_word": t.last_word,
            }
        signals = [
            Signal(
                utterance_id=e["utterance_id"],
                speaker=e["by"],
                target=e["of"],
                family="talk",
                label="interruption",
                span=e["span"],
                score=1.0,
                source=f"rule:talk.{e['kind']}",
            )
            for e in partial.interruptions
        ]
        section = {
            **partial.floor,
            "interruptions": partial.interruptions,
            "questions": partial.questions,
        }
        return MeasureResult(speakers=speakers, signals=signals, sections={"talk": section})


def _interruption_kind(previous: Utterance, current: Utterance) -> str | None:
    """``"overlap"`` or ``"cut_off"`` when ``current`` interrupts ``previous``, else None."""
    if (
        previous.end is not None
        and current.start is not None
        and previous.start is not None
        and current.start < previous.end
    ):
        return "overlap"
    if previous.text.rstrip().endswith(CUT_OFF_MARKS):
        return "cut_off"
    return None


TALK = Talk()
