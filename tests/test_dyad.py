"""Tests of the therapeutic-dyad family (issue 8): detectors, index, helper detection, CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from powerlens.analysis import analyze
from powerlens.cli import app
from powerlens.language import tokenize_conversation
from powerlens.measures import REGISTRY, Options
from powerlens.measures.dyad import DYAD, detect_helper
from powerlens.measures.dyad.detectors import client_talk_type, code_client, code_helper
from powerlens.model import Conversation, Speaker, Utterance
from powerlens.report.json_report import to_dict

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "therapy_session.txt"

DIRECTIVE = [
    "Doctor: You need to stop drinking.",
    "Pat: I don't want to stop.",
    "Doctor: You have to. Cut down to two drinks a day.",
    "Pat: Okay.",
    "Doctor: Do you understand?",
    "Pat: Yes.",
]
MI = [
    "Therapist: What brings you here today?",
    "Client: My wife thinks I drink too much.",
    "Therapist: It sounds like you're worried about how she sees you.",
    "Client: Yes. I want to cut down.",
    "Therapist: It's your choice. What would you like to do?",
    "Client: No, I don't want to quit completely.",
    "Therapist: You want to keep some drinking in your life, and that's up to you.",
]


def conv(lines: list[str], cid: str = "s") -> Conversation:
    utterances = tuple(
        Utterance(str(i), line.split(": ", 1)[0], line.split(": ", 1)[1])
        for i, line in enumerate(lines)
    )
    return Conversation(cid, utterances)


def section(lines: list[str], helper: str) -> dict:  # type: ignore[type-arg]
    c = conv(lines)
    result = DYAD.finalize(DYAD.map(c, tokenize_conversation(c), Options(helper=helper)))
    return result.sections["dyad"]


def test_dyad_directive_session_components() -> None:
    d = section(DIRECTIVE, "Doctor")
    assert d["talk"]["helper_words"] == 18 and d["talk"]["client_words"] == 7
    assert d["talk"]["helper_word_share"] == pytest.approx(0.72)
    assert d["moves"] == {"directive": 3, "autonomy_support": 0, "permission_asks": 0}
    assert d["questions"]["closed"] == 1 and d["questions"]["open"] == 0
    assert d["refusals"]["pressured"] == 1 and d["refusals"]["respected"] == 0
    # (0.72*1 + 1*(1/3) + 1*(1/3) + 1*0.6 + 1*(1/3)) / (1 + 1/3 + 1/3 + 0.6 + 1/3) = 2.32 / 2.6
    assert d["index"]["value"] == pytest.approx(2.32 / 2.6, abs=1e-4)


def test_dyad_mi_session_components() -> None:
    d = section(MI, "Therapist")
    assert d["questions"] == {"open": 2, "closed": 0, "percent_open": 1.0}
    assert d["reflections"]["complex"] == 2 and d["reflections"]["simple"] == 0
    assert d["reflection_to_question"] == 1.0
    assert d["fidelity"]["reflection_to_question"]["level"] == "fair"
    assert d["fidelity"]["percent_complex_reflections"]["level"] == "good"
    assert d["moves"]["autonomy_support"] == 3 and d["moves"]["directive"] == 0
    assert d["refusals"]["respected"] == 1
    assert d["client_talk"] == {"change": 1, "sustain": 1, "change_share": 0.5}
    # (38/58 + 0.5*(2/3)) / (1 + 2/3 + 0.5 + 0.5 + 0.6 + 1/3)
    expected = (38 / 58 + 1 / 3) / 3.6
    assert d["index"]["value"] == pytest.approx(expected, abs=1e-4)


def test_dyad_index_orders_sessions() -> None:
    assert (
        section(DIRECTIVE, "Doctor")["index"]["value"] > section(MI, "Therapist")["index"]["value"]
    )


HELPER_CASES = [
    ("What would you like to change?", "open_question"),
    ("How are you feeling about that?", "open_question"),
    ("Tell me more about your week.", "open_question"),
    ("So, um, why is that important to you?", "open_question"),
    ("I'm curious, what made you come in today?", "open_question"),
    ("Do you smoke?", "closed_question"),
    ("How many drinks do you have a night?", "closed_question"),
    ("Are you taking your medication?", "closed_question"),
    ("Is there anything else?", "closed_question"),
    ("You drink on weekends, right?", "closed_question"),
    ("When did you start smoking?", "closed_question"),
    ("You drink mostly on weekends.", "simple_reflection"),
    ("So you've cut back to three.", "simple_reflection"),
    ("It sounds like you're scared of what might happen.", "complex_reflection"),
    ("Part of you wants to quit, and part of you enjoys it.", "complex_reflection"),
    ("You feel like nobody listens to you.", "complex_reflection"),
    ("You've done a great job this week.", "affirm"),
]


@pytest.mark.parametrize(("text", "label"), HELPER_CASES)
def test_dyad_helper_detector_labels(text: str, label: str) -> None:
    assert [c.label for c in code_helper(text).sentences] == [label]


MOVE_CASES = [
    ("You need to take your insulin every day.", "directive"),
    ("Stop drinking before it's too late.", "directive"),
    ("If you don't quit, you're going to end up in hospital.", "directive"),
    ("It's your call.", "autonomy_support"),
    ("Would it be okay if I shared some information?", "autonomy_support"),
    ("I'd recommend a nicotine patch.", "advice"),
    ("Research shows that drinking can raise your blood pressure.", "information"),
]


@pytest.mark.parametrize(("text", "label"), MOVE_CASES)
def test_dyad_move_detector_labels(text: str, label: str) -> None:
    assert label in {m.label for m in code_helper(text).moves}


HARD_NEGATIVES = [
    "I would never tell you that you need to quit.",  # negated directive
    "Your wife said 'you have to stop'.",  # reported
    "Okay.",  # back-channel
    "Thanks for coming in.",
    "Let me check my notes.",
]


@pytest.mark.parametrize("text", HARD_NEGATIVES)
def test_dyad_hard_negatives_not_directive_or_question(text: str) -> None:
    coded = code_helper(text)
    assert not any(m.label == "directive" for m in coded.moves)
    assert not any(c.label.endswith("question") for c in coded.sentences)


CLIENT_CASES = [
    ("I want to cut down for my kids.", "change"),
    ("I'm going to try quitting next week.", "change"),
    ("I've already stopped buying beer.", "change"),
    ("It's not a problem, I'm fine.", "sustain"),
    ("I like drinking with my friends.", "sustain"),
    ("I can't quit, I've tried.", "sustain"),
    ("Mm-hmm.", "neutral"),
    ("I don't think I want to stop.", "sustain"),
    ("I work nights at the warehouse.", "neutral"),
]


@pytest.mark.parametrize(("text", "label"), CLIENT_CASES)
def test_dyad_client_talk_type(text: str, label: str) -> None:
    assert client_talk_type(text) == label


def test_dyad_no_to_a_question_is_not_a_refusal() -> None:
    d = section(["Therapist: Do you smoke?", "Client: No, never have."], "Therapist")
    assert d["refusals"]["count"] == 0
    assert any(c.label == "refusal" for c in code_client("No, never have."))


def test_dyad_detects_helper_by_role_name() -> None:
    helper, why = detect_helper(conv(["Counsellor: Hi.", "Sam: Hello."]))
    assert helper == "Counsellor" and "helper role" in why


def test_dyad_detects_helper_by_client_name() -> None:
    assert detect_helper(conv(["Alex: Hi.", "Patient: Hello."]))[0] == "Alex"


def test_dyad_detects_helper_by_questions_and_reflections() -> None:
    lines = [line.replace("Therapist:", "Ana:").replace("Client:", "Ben:") for line in MI]
    helper, why = detect_helper(conv(lines))
    assert helper == "Ana" and "asks and reflects most" in why


def test_dyad_detects_helper_by_declared_role() -> None:
    c = conv(["Ana: Hi.", "Ben: Hello."])
    c = Conversation(c.id, c.utterances, speakers={"Ben": Speaker("Ben", {"role": "therapist"})})
    assert detect_helper(c)[0] == "Ben"


def test_dyad_registered_and_skipped_without_helper() -> None:
    assert REGISTRY["dyad"] is DYAD
    report = analyze([conv(MI)])
    assert report.conversations[0].skipped["dyad"] == "needs helper"


def test_dyad_analyze_adds_score_and_components() -> None:
    report = analyze([conv(MI)], options=Options(helper="Therapist"))
    data = to_dict(report)["conversations"][0]
    assert 0 <= data["scores"]["power_differential"] <= 1
    assert set(data["dyad"]["index"]["components"]) >= {"talk_share", "directive_moves"}
    labels = {s["label"] for s in data["signals"] if s["family"] == "dyad"}
    assert {"open_question", "complex_reflection", "autonomy_support"} <= labels


def test_dyad_json_matches_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    from importlib import resources

    schema = json.loads(resources.files("powerlens.schema").joinpath("report-1.json").read_text())
    report = analyze([conv(DIRECTIVE)], options=Options(helper="Doctor"))
    jsonschema.validate(json.loads(json.dumps(to_dict(report))), schema)


def test_dyad_cli_terminal_and_trend() -> None:
    result = CliRunner().invoke(app, ["dyad", str(EXAMPLE), str(EXAMPLE), "--trend"])
    assert result.exit_code == 0, result.output
    assert "power-differential index" in result.output
    assert "speaker name 'Therapist' is a helper role" in result.output
    assert "across sessions" in result.output


def test_dyad_cli_json_has_trend() -> None:
    result = CliRunner().invoke(app, ["dyad", str(EXAMPLE), "--helper", "therapist", "-f", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    conversation = data["conversations"][0]
    assert conversation["dyad"]["helper"] == "Therapist"
    assert data["trend"][0]["power_differential"] == conversation["scores"]["power_differential"]


def test_dyad_cli_analyze_with_helper() -> None:
    args = ["analyze", str(EXAMPLE), "--helper", "Therapist", "--format", "json"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    conversation = json.loads(result.output)["conversations"][0]
    assert "power_differential" in conversation["scores"]
    assert conversation["dyad"]["index"]["components"]["talk_share"]["weight"] == 1.0


def test_dyad_cli_unknown_helper_falls_back_to_detection(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["dyad", str(EXAMPLE), "--helper", "Nobody", "-f", "json"])
    assert result.exit_code == 0
    decision = json.loads(result.output)["conversations"][0]["dyad"]["helper_decision"]
    assert "does not speak here" in decision


def test_dyad_cli_terminal_strips_control_characters_from_names(tmp_path: Path) -> None:
    """A speaker or file name cannot steer the terminal (escape sequences, bidi overrides)."""
    session = tmp_path / "s\x1b[2Jession\u202e.txt"
    session.write_text(
        "\n".join(line.replace("Pat", "Pat\x1b]0;owned\x07") for line in DIRECTIVE) + "\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["dyad", str(session), "--helper", "Doctor", "--trend"])
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "\u202e" not in result.output
    assert "s[2Jession" in result.output


CLIENT_SAID = "I keep missing my son's football games because of the hangovers."
GIVEN_BACK = "The hangovers keep getting between you and your son on weekends."


def _labels(text: str, previous: str | None = None) -> list[tuple[str, str]]:
    return [(c.label, c.rule) for c in code_helper(text, previous).sentences]


def test_dyad_echo_of_the_clients_words_is_a_simple_reflection() -> None:
    assert _labels("Two drinks max.", "I have two drinks max.") == [
        ("simple_reflection", "reflection.echo")
    ]
    assert _labels("Two drinks max.") == []


def test_dyad_second_person_statement_reusing_client_words_is_a_reflection() -> None:
    assert _labels(GIVEN_BACK, CLIENT_SAID) == [("simple_reflection", "reflection.you_heard")]
    assert _labels(GIVEN_BACK) == []  # no stem and nothing heard: not coded


def test_dyad_context_reflection_not_trusted_in_an_informing_turn() -> None:
    coded = code_helper(f"{GIVEN_BACK} Research shows alcohol disrupts sleep.", CLIENT_SAID)
    assert coded.sentences == () and coded.main == "therapist_input"


def test_dyad_reflection_adding_nothing_new_stays_simple() -> None:
    said = "I feel so frustrated with my job."
    assert _labels("You feel frustrated with your job.", said) == [
        ("simple_reflection", "reflection.you_stem")
    ]
    assert _labels("You feel frustrated with your job.")[0][0] == "complex_reflection"


def test_dyad_fragment_continues_a_broken_off_reflection() -> None:
    before = code_helper("It sounds like you're worried about your son-")
    assert before.broken_off and before.main == "reflection"
    after = code_helper("-and about your job.", "Mm-hmm.", before)
    assert [(c.label, c.subtype) for c in after.sentences] == [("complex_reflection", "continued")]
    assert after.sentences[0].rule == "reflection.sounds_like+complex.feeling+continued"
    assert code_helper("-and about your job.").sentences == ()


def test_dyad_continued_reflection_counted_once() -> None:
    lines = [
        "Therapist: It sounds like you're worried about your son-",
        "Client: Mm-hmm.",
        "Therapist: -and about your job.",
    ]
    d = section(lines, "Therapist")
    assert d["reflections"]["simple"] + d["reflections"]["complex"] == 1


def test_dyad_evocative_question_is_not_a_directive() -> None:
    for text in (
        "What do you think you should do?",
        "Where do you think you need to go from here?",
    ):
        coded = code_helper(text)
        assert not any(m.label in ("directive", "advice") for m in coded.moves), text
        assert coded.main == "question"
    assert "directive" in {m.label for m in code_helper("You should take your medication.").moves}


def test_dyad_what_im_hearing_is_a_reflection_not_a_question() -> None:
    assert _labels("What I'm hearing is that you want a break.")[0][0] == "complex_reflection"
    assert _labels("I understand.") == []
    assert _labels("I understand that you feel stuck.")[0][0] == "complex_reflection"


INPUT_CASES = [
    ("Most people find the first week the hardest.", "information", "information.norms"),
    ("Your blood pressure is higher than the recommended limit.", "information", None),
    ("One thing you could do is call your sponsor.", "advice", "advice.you_could"),
    ("We'll schedule a follow-up appointment.", "information", "information.procedure"),
    ("When I was your age I smoked too.", "information", "information.self_disclosure"),
    ("You'll have to do community service.", "directive", "directive.you_will_have_to"),
]


@pytest.mark.parametrize(("text", "label", "rule"), INPUT_CASES)
def test_dyad_information_and_advice_rules(text: str, label: str, rule: str | None) -> None:
    moves = code_helper(text).moves
    assert label in {m.label for m in moves}
    assert rule is None or rule in {m.rule for m in moves}


MORE_CLIENT_CASES = [
    ("I think I can do that.", "change"),
    ("I'm ready to make a change.", "change"),
    ("I don't want to end up in hospital.", "change"),
    ("I don't have the time to exercise.", "sustain"),
    ("It's not that bad.", "sustain"),
]


@pytest.mark.parametrize(("text", "label"), MORE_CLIENT_CASES)
def test_dyad_client_darn_cat_rules(text: str, label: str) -> None:
    assert client_talk_type(text) == label


def test_dyad_one_phrase_found_by_two_rules_counts_once() -> None:
    codes = [
        c for c in code_client("I'm going to try it this weekend.") if c.label == "change_talk"
    ]
    assert len(codes) == 1
