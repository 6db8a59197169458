"""Train the politeness model powerlens ships (src/powerlens/models/politeness.json).

    python scripts/train_politeness.py                # both domains, writes the model
    python scripts/train_politeness.py --out /tmp/p.json

Data: the Stanford Politeness Corpus (Danescu-Niculescu-Mizil et al., ACL 2013) in
../shared/data/stanford_politeness (research use with attribution; see its SOURCE.md).
Recipe (the one docs/validation.md cross-validates): every visible Wikipedia request and the
Stack Overflow requests of the Stack Exchange file (the other sites' rows in this copy carry texts
that do not go with their scores; see powerlens.validation.deference and docs/validation.md),
features = politeness strategies + word unigrams + bigrams seen in at least two requests,
target = sigmoid(4 * normalised human score), L2-regularised logistic regression solved with
numpy (Newton-CG). The solver is deterministic, so the same data gives the same file.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from powerlens.measures.deference import MODEL_NAME, STRATEGIES
from powerlens.validation import data_root
from powerlens.validation import deference as v

OUT = Path(__file__).resolve().parents[1] / "src" / "powerlens" / "models" / "politeness.json"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=None, help="default: ../shared/data")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    root = args.data or data_root()
    if root is None:
        print("no data: pass --data or put the shared data in ../shared/data", file=sys.stderr)
        return 2
    rows: list[list[str]] = []
    scores: list[float] = []
    counts = {}
    for domain in v.FILES:
        requests = v.reliable(v.load(root, domain))
        counts[domain] = len(requests)
        rows += v.feature_names([r.text for r in requests])
        scores += [r.score for r in requests]
    model = v.train(rows, v.soft_targets(np.array(scores)))
    keep = [i for i, w in enumerate(model.weights) if abs(w) >= 1e-4]
    data = {
        "name": MODEL_NAME,
        "version": 1,
        "kind": "logistic regression over binary features (s: strategy, w: word, b: bigram)",
        "trained_on": (
            f"Stanford Politeness Corpus, visible part: {counts['wikipedia']} Wikipedia and "
            f"{counts['stack_exchange']} Stack Exchange (Stack Overflow) requests"
        ),
        "attribution": (
            "Danescu-Niculescu-Mizil, Sudhof, Jurafsky, Leskovec & Potts (2013). A computational "
            "approach to politeness with application to social factors. ACL. Research use."
        ),
        "recipe": {
            "l2": v.L2,
            "softness": v.SOFTNESS,
            "min_count": v.MIN_COUNT,
            "script": "scripts/train_politeness.py",
        },
        "strategies": list(STRATEGIES),
        "bias": round(model.bias, 6),
        "features": [model.vocab[i] for i in keep],
        "weights": [round(float(model.weights[i]), 5) for i in keep],
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n", "utf-8")
    print(f"wrote {args.out} ({len(keep)} features, {args.out.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
