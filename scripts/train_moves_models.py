"""Train the two learned moves models (``measures.moves.models``) on dev halves only.

python scripts/train_moves_models.py            # both: src/powerlens/models/moves-*.npz/.json
python scripts/train_moves_models.py control    # one of: control, with

- **control**: the challenge suite's dev half (``tests/data/challenge``: its utterance items,
  twins and other acts included, and every turn of its dev conversations); heads: the seven
  control categories (one vs rest; ``also`` categories count as positive) and ``any``.
- **with**: the annotated dialogues of CaSiNo's dev half (``validation.casino.split``; the data
  in ``$POWERLENS_DATA`` or ``../shared/data``); heads: ``with`` (promote-coordination or
  elicit-pref), and each label.

Everything is chosen by 5-fold group cross-validation within dev (groups: an item with its twin,
a conversation, a dialogue): the inverse regularisation ``c``, character n-grams on or off, the
weight of the rule layer's features, and each decision rule's threshold, by the criteria written
in ``validation.moves_models`` (``CONTROL_CRITERION``, ``WITH_CRITERION``). The test halves are
never read here. Seeded and deterministic: the same data gives the same files.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import itertools  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
from moves_fit import (  # noqa: E402
    FOLDS,
    Array,
    fit,
    group_folds,
    matrix,
    out_of_fold,
    rows_of,
    vocabulary,
)

from powerlens.measures.moves.models import HASH_BITS  # noqa: E402
from powerlens.validation import casino, data_root  # noqa: E402
from powerlens.validation.moves_models_data import (  # noqa: E402
    CONTROL_HEADS,
    WITH_HEADS,
    Example,
    casino_examples,
    challenge_examples,
    control_figures,
    labels,
)
from powerlens.validation.moves_models_decide import (  # noqa: E402
    control_decisions,
    select_control,
    select_with,
    with_decisions,
)

MODELS = Path(__file__).resolve().parents[1] / "src" / "powerlens" / "models"
C_GRID = (1.0, 3.0, 10.0, 30.0, 100.0)
CHARS = (False, True)
RULE_WEIGHTS = (0.0, 0.5, 1.0, 2.0)
SEED = 20260514
"""Not used by any draw (folds come from sha256 of the group ids); kept in the files for record."""
LICENCES = {
    "control": """powerlens moves-control model weights — MIT licence
===================================================

Files: src/powerlens/models/moves-control.npz and src/powerlens/models/moves-control.json

Fitted by powerlens's scripts/train_moves_models.py on the dev half of the powerlens challenge
suite (tests/data/challenge; written for powerlens and released under the MIT licence, like the
repository). No text is stored: features are hashed to bucket numbers, and only the bucket
numbers, their weights and the biases are kept. The same MIT licence as the repository applies
(see LICENSE at the repository root).
""",
    "with": """powerlens moves-with model weights — CC BY 4.0
==============================================

Files: src/powerlens/models/moves-with.npz and src/powerlens/models/moves-with.json

These weights are derived from CaSiNo: Kushal Chawla, Jaysa Ramirez, Rene Clever, Gale Lucas,
Jonathan May and Jonathan Gratch (2021), "CaSiNo: A Corpus of Campsite Negotiation Dialogues for
Automatic Negotiation Systems", Proceedings of NAACL 2021 (https://github.com/kushalchawla/CaSiNo),
licensed under the Creative Commons Attribution 4.0 International licence
(https://creativecommons.org/licenses/by/4.0/).

Changes: powerlens's scripts/train_moves_models.py fitted a logistic model to the strategy
annotations (promote-coordination, elicit-pref) of the annotated dialogues in the dev half of
powerlens's frozen split of casino_train.json and casino_valid.json. No dialogue text is stored:
features are hashed to bucket numbers, and only the bucket numbers, their weights and the biases
are kept. The fitted weights are shared under the same licence, CC BY 4.0; attribute the paper
above wherever they, or figures derived from them, are shipped or shown.
""",
}


def grid() -> list[dict[str, Any]]:
    """Every featuriser and regularisation setting tried, in a fixed order."""
    return [
        {"c": c, "chars": chars, "rule_weight": w}
        for chars, w, c in itertools.product(CHARS, RULE_WEIGHTS, C_GRID)
    ]


def cross_validate(
    examples: list[Example], heads: tuple[str, ...], choose: Any, name: str
) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
    """Out-of-fold probabilities for every setting; ``choose(examples, p)`` gives each its best
    decision; returns the chosen setting, its decisions and the grid's rows."""
    y = np.array([labels(e, heads) for e in examples])
    folds = group_folds([e.group for e in examples])
    rows = {chars: rows_of([e.text for e in examples], chars) for chars in CHARS}
    table = []
    best: tuple[Any, ...] | None = None
    for setting in grid():
        started = time.perf_counter()
        p = out_of_fold(rows[setting["chars"]], y, folds, setting["c"], setting["rule_weight"])
        decisions = choose(examples, p)
        key = decisions["model"]["key"]
        table.append({**setting, "model": decisions["model"]["cv"], "key": list(key)})
        print(
            f"{name} {setting} {decisions['model']['cv_line']} "
            f"({time.perf_counter() - started:.0f} s)",
            file=sys.stderr,
        )
        if best is None or key > best[0]:
            best = (key, setting, decisions)
    assert best is not None
    return best[1], best[2], table


def fit_final(
    examples: list[Example], heads: tuple[str, ...], setting: dict[str, Any]
) -> dict[str, Any]:
    """The chosen setting fitted on all of dev: the arrays ``MovesModel`` reads."""
    y = np.array([labels(e, heads) for e in examples])
    rows = rows_of([e.text for e in examples], setting["chars"])
    vocab = vocabulary(rows, setting["rule_weight"])
    w, b = fit(matrix(rows, vocab, setting["rule_weight"]), y, setting["c"])
    return {
        "buckets": vocab.astype(np.int64),
        "weights": w.astype(np.float32),
        "bias": b.astype(np.float32),
    }


def write(name: str, arrays: dict[str, Array], meta: dict[str, Any]) -> None:
    """``models/moves-<name>.npz`` (arrays only), ``.json`` (meta) and the licence note."""
    np.savez_compressed(MODELS / f"moves-{name}.npz", **arrays)
    (MODELS / f"moves-{name}.json").write_text(
        json.dumps(meta, indent=1, sort_keys=False) + "\n", encoding="utf-8"
    )
    (MODELS / f"LICENSE-moves-{name}.txt").write_text(LICENCES[name], encoding="utf-8")
    print(f"wrote models/moves-{name}.npz/.json ({len(arrays['buckets'])} features)")


def common_meta(name: str, heads: tuple[str, ...], setting: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": f"moves-{name}",
        "heads": list(heads),
        "features": "hashed (CRC-32) word 1-2 grams of the normalised text"
        + (", character 3-5 grams inside words" if setting["chars"] else "")
        + (
            ", the rule layer's reading (acts, targets, rules, topics, marks, controls)"
            if setting["rule_weight"] > 0
            else ""
        )
        + "; binary, L2-normalised",
        "hash_bits": HASH_BITS,
        **setting,
        "folds": FOLDS,
        "seed": SEED,
    }


def train_control() -> None:
    examples = challenge_examples("dev")
    setting, decisions, table = cross_validate(
        examples, CONTROL_HEADS, control_decisions, "control"
    )
    rules = control_figures(examples, [set(e.rules) for e in examples])
    meta = {
        **common_meta("control", CONTROL_HEADS, setting),
        "decisions": {k: v["decision"] for k, v in decisions.items()},
        "cv": {
            "criterion": select_control.__doc__,
            "rules_in_sample": rules,
            **{k: v["cv"] for k, v in decisions.items()},
        },
        "grid": table,
        "trained_on": (
            f"powerlens challenge suite, dev half only: {sum(e.kind == 'item' for e in examples)} "
            f"utterance items and {sum(e.kind == 'turn' for e in examples)} conversation turns"
        ),
        "licence": "MIT (derived from the powerlens challenge suite, MIT); see "
        "LICENSE-moves-control.txt",
    }
    write("control", fit_final(examples, CONTROL_HEADS, setting), meta)


def train_with(root: Path) -> None:
    dialogues = casino.load(root)
    if dialogues is None:
        raise SystemExit(f"no CaSiNo data under {root}")
    examples = casino_examples(casino.split(dialogues)["dev"])
    setting, decisions, table = cross_validate(examples, WITH_HEADS, with_decisions, "with")
    meta = {
        **common_meta("with", WITH_HEADS, setting),
        "decisions": {k: v["decision"] for k, v in decisions.items()},
        "cv": {"criterion": select_with.__doc__, **{k: v["cv"] for k, v in decisions.items()}},
        "grid": table,
        "trained_on": (
            "CaSiNo (Chawla, Ramirez, Clever, Lucas, May & Gratch, NAACL 2021; CC BY 4.0), the "
            f"dev half of powerlens's frozen split: {len({e.group for e in examples})} annotated "
            f"dialogues, {len(examples)} utterances"
        ),
        "licence": "CC BY 4.0 (derived from CaSiNo, Chawla et al. 2021); see "
        "LICENSE-moves-with.txt",
    }
    write("with", fit_final(examples, WITH_HEADS, setting), meta)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("models", nargs="*", help="control, with (default: both)")
    parser.add_argument("--data", type=Path, default=None)
    args = parser.parse_args()
    chosen = args.models or ["control", "with"]
    if not set(chosen) <= {"control", "with"}:
        parser.error(f"unknown model in {chosen}: choose control, with")
    if "control" in chosen:
        train_control()
    if "with" in chosen:
        root = args.data or data_root()
        if root is None:
            print("no data: pass --data or put the shared data in ../shared/data", file=sys.stderr)
            return 2
        train_with(root)
    return 0


if __name__ == "__main__":
    sys.exit(main())
