"""Benchmark: the moves family's cost on chat, cold and warm, its setup, and ``analyze``.

    python bench/moves_speed.py                              # this tree only
    python bench/moves_speed.py --baseline /tmp/oldmain/src  # and another checkout's src/
    python bench/moves_speed.py --messages 5000 --analyze 0  # smaller, no analyze run

Each number comes from a fresh subprocess on this tree's ``src/`` (and, with ``--baseline``, on
the other tree's), run one after the other, so both see the same load; times are CPU seconds
of that process (``time.process_time``), which a loaded machine disturbs less than wall time.

- ``setup``: the first moves map of a handful of varied utterances in a fresh process (the
  rules compiled, the prefilters built, first-use costs), beyond their cost when warm;
- ``chat cold``: one moves map + finalize over a two-person WhatsApp export of ``--messages``
  messages from ``bench/chat_history.py`` (as ``analyze`` runs it: every cache empty), in µs per
  message; ``chat warm``: the fastest of ``--repeats`` further passes (caches full);
- ``synthetic cold`` / ``warm``: the same over ``bench/synthetic.py``'s short texts (what
  ``bench/measure_costs.py`` uses; it reports the warm number);
- ``analyze``: CPU seconds of ``powerlens analyze EXPORT --format json`` on an export of
  ``--analyze`` messages, and the moves family's share of it (its map + finalize, cold, setup
  included, timed in a separate process family by family).

Printed: a table with this tree's numbers, the baseline's and their ratio. Not a timed test.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"

WARM_TEXTS = [
    "send me a photo of where you are right now",
    "you're not seeing priya again, if you go I'm taking the car keys",
    "shall we get pizza tonight? no. ok fine whatever, sounds good",
    "Thank you so much! I'd appreciate it if you could help; I think we should go.",
    "wya send me ur loc rn lol",
]
"""Utterances whose first map builds everything the moves family builds lazily."""

PROBE = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
from chat_history import write_export  # noqa: E402
from synthetic import generate  # noqa: E402
from pathlib import Path
args = json.loads(sys.argv[2])
clock = time.process_time
t0 = clock()
from powerlens.language import tokenize_conversation
from powerlens.measures import REGISTRY, Options
from powerlens.model import Conversation, Utterance
from powerlens.readers import load
moves = REGISTRY["moves"]
t1 = clock()

def pass_(conversation, tokens):
    start = clock()
    moves.finalize(moves.map(conversation, tokens, Options()))
    return clock() - start

warm = Conversation(
    id="warm",
    utterances=tuple(Utterance(str(i), "AB"[i % 2], t) for i, t in enumerate(args["warm"])),
)
wtok = tokenize_conversation(warm)
first = pass_(warm, wtok)
again = min(pass_(warm, wtok) for _ in range(3))
out = {"import": t1 - t0, "setup": first - again}
folder = Path(args["folder"])
chat = load(write_export(folder / "chat.txt", args["messages"]))
synth = load(generate(folder / "synthetic.jsonl", args["messages"], seed=0))
for name, conversations in (("chat", chat), ("synthetic", synth)):
    work = [(c, tokenize_conversation(c)) for c in conversations]
    n = sum(len(c.utterances) for c in conversations)
    cold = sum(pass_(c, t) for c, t in work)
    warm_best = min(sum(pass_(c, t) for c, t in work) for _ in range(args["repeats"]))
    out[name + "_cold"] = cold / n * 1e6
    out[name + "_warm"] = warm_best / n * 1e6
    out[name + "_n"] = n
print(json.dumps(out))
"""

FAMILIES = r"""
import json, sys, time
from pathlib import Path
from powerlens.language import tokenize_conversation
from powerlens.measures import REGISTRY, Options, missing_requirements
from powerlens.readers import load
conversations = load(Path(sys.argv[1]))
out = {}
for name, measure in REGISTRY.items():
    start = time.process_time()
    for c in conversations:
        if not missing_requirements(measure.requires, c, Options()):
            measure.finalize(measure.map(c, tokenize_conversation(c), Options()))
    out[name] = time.process_time() - start
print(json.dumps(out))
"""

ANALYZE = (
    "import sys; from powerlens.cli import main; "
    "sys.argv = ['powerlens', 'analyze', sys.argv[1], '--format', 'json', '--output', sys.argv[2]];"
    " main()"
)


def _env(src: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(src)
    return env


def _run(src: Path, code: str, *args: str) -> str:
    """The last line ``code`` printed, run in a fresh interpreter on ``src``."""
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        env=_env(src),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise SystemExit(f"probe failed on {src}:\n{done.stderr}")
    lines = done.stdout.strip().splitlines()
    return lines[-1] if lines else ""


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(src: Path, args: argparse.Namespace, folder: Path) -> dict[str, float]:
    """Every number of the table for the tree whose package is under ``src``."""
    probe = {
        "warm": WARM_TEXTS,
        "folder": str(folder),
        "messages": args.messages,
        "repeats": args.repeats,
    }
    found: dict[str, float] = json.loads(_run(src, PROBE, str(HERE), json.dumps(probe)))
    if args.analyze:
        sys.path.insert(0, str(HERE))
        from chat_history import write_export

        export = write_export(folder / "analyze.txt", args.analyze)
        before = _child_cpu()
        _run(src, ANALYZE, str(export), str(folder / "report.json"))
        found["analyze"] = _child_cpu() - before
        families = json.loads(_run(src, FAMILIES, str(export)))
        found["analyze_moves"] = families["moves"]
        found["analyze_families"] = sum(families.values())
    return found


ROWS = [
    ("import", "import powerlens measures (s)", 1),
    ("setup", "moves setup, first use (s)", 1),
    ("chat_cold", "chat, cold single pass (µs/msg)", 1),
    ("chat_warm", "chat, fastest warm pass (µs/msg)", 1),
    ("synthetic_cold", "synthetic, cold single pass (µs/utt)", 1),
    ("synthetic_warm", "synthetic, fastest warm pass (µs/utt)", 1),
    ("analyze", "analyze CPU, whole process (s)", 1),
    ("analyze_families", "  all families' map+finalize (s)", 1),
    ("analyze_moves", "  moves map+finalize, cold (s)", 1),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--baseline", type=Path, help="another tree's src/ to compare with")
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--analyze", type=int, default=10_000, help="0: skip the analyze run")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    trees = {"this tree": SRC}
    if args.baseline:
        trees["baseline"] = args.baseline
    with tempfile.TemporaryDirectory() as tmp:
        results = {name: measure(src, args, Path(tmp)) for name, src in trees.items()}
    load = os.getloadavg()[0]
    print(f"{args.messages:,} chat messages, {args.analyze:,} for analyze; load average {load:.1f}")
    header = f"{'':40} {'this tree':>10}"
    if args.baseline:
        header += f" {'baseline':>10} {'ratio':>7}"
    print(header)
    for key, label, _ in ROWS:
        if key not in results["this tree"]:
            continue
        line = f"{label:40} {results['this tree'][key]:10.2f}"
        if args.baseline:
            base = results["baseline"][key]
            line += f" {base:10.2f} {results['this tree'][key] / base:7.2f}"
        print(line)


if __name__ == "__main__":
    main()
