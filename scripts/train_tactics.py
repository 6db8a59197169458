"""Train the tactic model shipped as src/powerlens/models/tactics-mentalmanip.npz.

    python scripts/train_tactics.py            # writes the model and its card
    python scripts/train_tactics.py --dry-run  # cross-validation report only

Trained on the MentalManip consensus *train* split (MentalMAD splits, 1,749 dialogues, CC BY-NC
4.0) with the annotators' marked spans from mentalmanip_detailed.csv for those train ids only,
plus the ReaMent consensus *train* split (2,013 dialogues, MIT). Valid and test splits are never
read here. L2 logistic regression (scipy L-BFGS, a training-time dependency only), seeded
5-fold cross-validation on the training data for the regularisation strength, the turn
operating point and the conversation-level stacker (the calibration).

Heads (one weight column each, one shared vocabulary):
- ``dialogue``: manipulative or not, whole dialogue (MentalManip + ReaMent train).
- ``dialogue:<label>``: technique present, whole dialogue (MentalManip train).
- ``utterance``: the turn overlaps a span an annotator marked (MentalManip train).
- ``<label>``: which technique, among marked turns (MentalManip train).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
import numpy.typing as npt
from scipy import optimize, sparse

from powerlens.language import tokenize
from powerlens.language.rules import load_rules
from powerlens.measures.tactics import (
    LABELS,
    MODEL_NAME,
    RULES_FILE,
    Scored,
    rule_hits,
    stack_features,
    text_features,
)
from powerlens.validation import data_root
from powerlens.validation.tactics import Dialogue, load_mentalmanip, load_reament, marked_turns

SEED = 20240811
FOLDS = 5
MAX_FEATURES = 60000
MIN_DF = 2
CHAR_N = 4
TARGET_FALSE_ALARM = 0.02
OUT = Path(__file__).resolve().parents[1] / "src" / "powerlens" / "models"
Matrix = sparse.csr_matrix


def fit_lr(
    x: Matrix,
    y: npt.NDArray[np.float64],
    c: float,
    weight: npt.NDArray[np.float64] | None = None,
    *,
    nonnegative: bool = False,
) -> tuple[npt.NDArray[np.float64], float]:
    """L2 logistic regression (bias unpenalised) by L-BFGS; ``nonnegative`` bounds weights at 0."""
    n, d = x.shape
    sw = np.ones(n) if weight is None else weight

    def loss(theta: npt.NDArray[np.float64]) -> tuple[float, npt.NDArray[np.float64]]:
        w, b = theta[:d], theta[d]
        z = x @ w + b
        p = 1.0 / (1.0 + np.exp(-z))
        value = float(np.sum(sw * (np.logaddexp(0.0, z) - y * z))) + 0.5 / c * float(w @ w)
        g = sw * (p - y)
        return value, np.concatenate([x.T @ g + w / c, [g.sum()]])

    bounds = [(0.0, None)] * d + [(None, None)] if nonnegative else None
    result = optimize.minimize(
        loss, np.zeros(d + 1), jac=True, method="L-BFGS-B", bounds=bounds, options={"maxiter": 400}
    )
    return result.x[:d], float(result.x[d])


def featurise(dialogues: list[Dialogue]) -> tuple[list[Counter[str]], list[list[Counter[str]]]]:
    """Feature bags per dialogue and per turn, exactly as the measure computes them."""
    rules = load_rules(RULES_FILE)
    whole, turns = [], []
    for d in dialogues:
        bags = []
        total: Counter[str] = Counter()
        for _, text in d.turns:
            feats = text_features(tokenize(text), text, CHAR_N)
            for rule, _ in rule_hits(text, rules):
                feats["r " + rule.label] += 1
            bags.append(feats)
            total.update(feats)
        whole.append(total)
        turns.append(bags)
    return whole, turns


def vectorise(
    bags: list[Counter[str]], vocab: dict[str, int], idf: npt.NDArray[np.float64]
) -> Matrix:
    """Log-scaled, idf-weighted, L2-normalised rows (the measure's ``TacticModel.logits``)."""
    rows, cols, vals = [], [], []
    for r, bag in enumerate(bags):
        idx = [vocab[f] for f in bag if f in vocab]
        if not idx:
            continue
        v = np.array([(1.0 + math.log(bag[f])) for f in bag if f in vocab]) * idf[idx]
        v /= np.linalg.norm(v)
        rows += [r] * len(idx)
        cols += idx
        vals += v.tolist()
    return sparse.csr_matrix((vals, (rows, cols)), shape=(len(bags), len(vocab)))


def build_vocab(bags: list[Counter[str]]) -> tuple[dict[str, int], npt.NDArray[np.float64]]:
    """Features seen in at least MIN_DF dialogues, the MAX_FEATURES most frequent, and their idf."""
    df: Counter[str] = Counter()
    for bag in bags:
        df.update(bag.keys())
    kept = sorted((f for f, n in df.items() if n >= MIN_DF), key=lambda f: (-df[f], f))[
        :MAX_FEATURES
    ]
    kept.sort()
    vocab = {f: i for i, f in enumerate(kept)}
    n = len(bags)
    idf = np.array([math.log((1 + n) / (1 + df[f])) + 1.0 for f in kept])
    return vocab, idf


def sigmoid(z: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Elementwise logistic function."""
    out: npt.NDArray[np.float64] = 1.0 / (1.0 + np.exp(-z))
    return out


def train_heads(
    dialogues: list[Dialogue],
    whole: list[Counter[str]],
    turns: list[list[Counter[str]]],
    c_dialogue: float,
    c_turn: float,
    with_techniques: bool,
) -> dict[str, object]:
    """Fit every head on the given dialogues; returns vocab, idf, weights and bias."""
    vocab, idf = build_vocab(whole)
    xd = vectorise(whole, vocab, idf)
    yd = np.array([d.manipulative for d in dialogues], dtype=float)
    heads, ws, bs = [], [], []
    w, b = fit_lr(xd, yd, c_dialogue)
    heads.append("dialogue"), ws.append(w), bs.append(b)
    mm = [i for i, d in enumerate(dialogues) if d.marks is not None]
    flat, ylab, tech_rows, owner = [], [], [], []
    for i in mm:
        marked = marked_turns(dialogues[i])
        for j, bag in enumerate(turns[i]):
            flat.append(bag)
            ylab.append(1.0 if j in marked else 0.0)
            owner.append(i)
            if j in marked:
                tech_rows.append(len(flat) - 1)
    xu = vectorise(flat, vocab, idf)
    w, b = fit_lr(xu, np.array(ylab), c_turn)
    heads.append("utterance"), ws.append(w), bs.append(b)
    if with_techniques:
        xt = xu[tech_rows]
        for label in LABELS:
            y = np.array(
                [1.0 if label in dialogues[owner[r]].techniques else 0.0 for r in tech_rows]
            )
            w, b = fit_lr(xt, y, c_turn)
            heads.append(label), ws.append(w), bs.append(b)
        xm = xd[mm]
        for label in LABELS:
            y = np.array([1.0 if label in dialogues[i].techniques else 0.0 for i in mm])
            w, b = fit_lr(xm, y, c_dialogue)
            heads.append("dialogue:" + label), ws.append(w), bs.append(b)
    return {
        "vocab": vocab,
        "idf": idf,
        "weights": np.stack(ws, axis=1),
        "bias": np.array(bs),
        "heads": heads,
    }


def logits(
    model: dict[str, object], bags: list[Counter[str]], head: str
) -> npt.NDArray[np.float64]:
    """One head's logits for a list of bags."""
    x = vectorise(bags, model["vocab"], model["idf"])  # type: ignore[arg-type]
    k = model["heads"].index(head)  # type: ignore[attr-defined]
    out: npt.NDArray[np.float64] = x @ model["weights"][:, k] + model["bias"][k]  # type: ignore[index]
    return out


def out_of_fold(
    dialogues: list[Dialogue],
    whole: list[Counter[str]],
    turns: list[list[Counter[str]]],
    c_dialogue: float,
    c_turn: float,
) -> tuple[npt.NDArray[np.float64], list[list[float]]]:
    """Dialogue and turn logits for every training dialogue from a model that did not see it."""
    rng = np.random.default_rng(SEED)
    fold = rng.permutation(len(dialogues)) % FOLDS
    d_oof = np.zeros(len(dialogues))
    u_oof: list[list[float]] = [[] for _ in dialogues]
    for k in range(FOLDS):
        train = [i for i in range(len(dialogues)) if fold[i] != k]
        test = [i for i in range(len(dialogues)) if fold[i] == k]
        model = train_heads(
            [dialogues[i] for i in train],
            [whole[i] for i in train],
            [turns[i] for i in train],
            c_dialogue,
            c_turn,
            False,
        )
        d_oof[test] = logits(model, [whole[i] for i in test], "dialogue")
        flat = [bag for i in test for bag in turns[i]]
        u = logits(model, flat, "utterance").tolist()
        pos = 0
        for i in test:
            u_oof[i] = u[pos : pos + len(turns[i])]
            pos += len(turns[i])
    return d_oof, u_oof


def accuracy(y: npt.NDArray[np.float64], z: npt.NDArray[np.float64]) -> float:
    """Share of correct decisions at logit 0."""
    return float(np.mean((z >= 0) == (y == 1)))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--dry-run", action="store_true")
    parser.add_argument("--c-dialogue", type=float, default=4.0)
    parser.add_argument("--c-turn", type=float, default=2.0)
    args = parser.parse_args()
    root = data_root()
    if root is None:
        print("no data: put the shared data in ../shared/data", file=sys.stderr)
        return 2
    started = time.perf_counter()
    mm = load_mentalmanip(root, "train", with_marks=True)
    rm = load_reament(root, "train")
    dialogues = mm + rm
    whole, turns = featurise(dialogues)
    y = np.array([d.manipulative for d in dialogues], dtype=float)
    d_oof, u_oof = out_of_fold(dialogues, whole, turns, args.c_dialogue, args.c_turn)
    is_mm = np.array([d.marks is not None for d in dialogues])
    report = {
        "oof_dialogue_accuracy_mentalmanip": accuracy(y[is_mm], d_oof[is_mm]),
        "oof_dialogue_accuracy_reament": accuracy(y[~is_mm], d_oof[~is_mm]),
    }
    # Turn operating point: at most TARGET_FALSE_ALARM of non-manipulative training dialogues
    # have a turn at or above it.
    benign_max = np.array([max(u) for u, m in zip(u_oof, y, strict=True) if m == 0 and u])
    turn_threshold = float(np.quantile(benign_max, 1.0 - TARGET_FALSE_ALARM))
    flat_u = np.concatenate([np.array(u) for u in u_oof])
    turn_slope = float(4.0 / max(1e-6, np.std(flat_u)))
    rules = load_rules(RULES_FILE)
    stack_x = []
    for i, d in enumerate(dialogues):
        hits = [rule_hits(text, rules) for _, text in d.turns]
        scored = Scored(float(d_oof[i]), u_oof[i], [], hits, [])
        stack_x.append(stack_features(scored, [s for s, _ in d.turns], turn_threshold))
    sx = np.array(stack_x)
    mean, scale = sx.mean(axis=0), sx.std(axis=0) + 1e-9
    sw, sb = fit_lr(sparse.csr_matrix((sx - mean) / scale), y, 10.0, nonnegative=True)
    weights = (sw / scale).tolist()
    bias = float(sb - np.sum(sw * mean / scale))
    p = sigmoid(sx @ np.array(weights) + bias)
    report["oof_stacked_accuracy"] = float(np.mean((p >= 0.5) == (y == 1)))
    report["oof_stacked_accuracy_mentalmanip"] = float(
        np.mean((p[is_mm] >= 0.5) == (y[is_mm] == 1))
    )
    report["turn_false_alarm_target"] = TARGET_FALSE_ALARM
    # Domain shift: a dialogue head trained on MentalManip train alone, scored on ReaMent train.
    only_mm = train_heads(
        mm, whole[: len(mm)], turns[: len(mm)], args.c_dialogue, args.c_turn, False
    )
    report["mentalmanip_only_on_reament_train_accuracy"] = accuracy(
        y[len(mm) :], logits(only_mm, whole[len(mm) :], "dialogue")
    )
    print(json.dumps(report, indent=2))
    if args.dry_run:
        return 0
    final = train_heads(dialogues, whole, turns, args.c_dialogue, args.c_turn, True)
    vocab = final["vocab"]
    trained_on = (
        "MentalManip consensus train split (MentalMAD splits, 1,749 dialogues, CC BY-NC 4.0; "
        "turn labels from the annotators' marks in mentalmanip_detailed.csv for those ids) "
        "and ReaMent consensus train split (2,013 dialogues, MIT)"
    )
    meta = {
        "name": MODEL_NAME,
        "heads": final["heads"],
        "char_n": CHAR_N,
        "turn_threshold": turn_threshold,
        "turn_slope": turn_slope,
        "stacker": {
            "weights": weights,
            "bias": bias,
            "inputs": [
                "dialogue_logit",
                "strongest_turn_logit",
                "log1p_flagged_turns",
                "one_speaker_repeats",
                "log1p_rule_turns",
            ],
        },
        "trained_on": trained_on,
        "licence": "CC BY-NC 4.0 (derived from MentalManip); see LICENSE-tactics-mentalmanip.txt",
        "seed": SEED,
        "c_dialogue": args.c_dialogue,
        "c_turn": args.c_turn,
        "training_report": report,
    }
    ordered = sorted(vocab, key=vocab.__getitem__)  # type: ignore[arg-type]
    np.savez_compressed(
        OUT / f"{MODEL_NAME}.npz",
        vocab=np.frombuffer("\n".join(ordered).encode("utf-8"), dtype=np.uint8),
        idf=np.asarray(final["idf"], dtype=np.float16),
        weights=np.asarray(final["weights"], dtype=np.float16),
        bias=np.asarray(final["bias"], dtype=np.float32),
        meta=np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8),
    )
    card = {k: v for k, v in meta.items() if k != "heads"} | {
        "heads": final["heads"],
        "features": len(ordered),
    }
    (OUT / f"{MODEL_NAME}.json").write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {OUT / (MODEL_NAME + '.npz')} in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
