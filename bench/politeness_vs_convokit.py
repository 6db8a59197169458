"""Politeness strategies: powerlens's deference rules against ConvoKit's, on real requests.

    python bench/politeness_vs_convokit.py [--n 3000] [--seed 0] [--ckenv /tmp/ckenv/bin/python]
                                           [--core 0]

Takes ``--n`` requests of the Stanford Politeness Corpus (Danescu-Niculescu-Mizil et al., ACL
2013; ``stanford_politeness`` in ``powerlens.validation.data_root()``), half from Wikipedia and
half from Stack Exchange, drawn with ``--seed``, and flags each text's politeness strategies
with both tools:

- powerlens: ``powerlens.measures.deference.strategies`` (the deference family's rules: its own
  word scan and punctuation sentence splitter, no parser), in this process;
- ConvoKit, in a fresh subprocess of the Python named by ``--ckenv``: ``TextParser`` in its
  "tokenize" mode with ``spacy_nlp=spacy.blank("en")`` and, as ``sent_tokenizer``, spaCy's
  rule-based ``sentencizer`` (no spaCy model can be downloaded here), then
  ``PolitenessStrategies`` with the ``politeness_api`` collection (the paper's strategies) and
  the ``politeness_local`` collection (the local markers of Fu, Fussell & Danescu-Niculescu-
  Mizil, EMNLP 2020). The "parse" mode with the
  same blank pipeline would be the closer call, but spaCy 3.8 crashes (segmentation fault)
  reading ``token.children`` of unparsed docs in about a quarter of these requests. Each
  sentence's text is stripped: the sentencizer starts a sentence AT a whitespace token after a
  full stop (double spaces), which a parser attaches to the word before. This gives tokens and
  sentences but no tags, heads or dependency labels; every token is then marked a root
  (``dep = "ROOT"``, no ``up``: what the parse format holds for a token without a head),
  without which ``politeness_local``'s gratitude test reads a missing head and fails.

Without a parse, ConvoKit's strategies fall in four kinds (the STATUS column):
``token`` (a token test, independent of sentence boundaries: the result a full English model
would give, provided its tokenizer is spaCy's English default, as ``en_core_web_sm``'s is),
``sentence`` (a token test at a sentence position: exact for the sentencizer's sentences,
which split on punctuation where a parser model's would come from the parse), ``partial`` (the
token part of the test runs, the dependency part can never fire) and ``parse`` (needs a
dependency relation: never fires without one, so not compared).

For each mapped strategy it prints how many texts each tool flags, how many both and either
flag, Cohen's kappa and F1 with ConvoKit as the reference, then each tool's time. Both tools
run on one core (``--core``; the ConvoKit subprocess inherits the affinity and one thread for
BLAS and torch); ConvoKit's corpus construction is timed apart from its parse and strategies,
and both sides exclude imports and one-off set-up (powerlens compiles its rules on an untimed
warm-up text). Without the ConvoKit Python or the data it says so and exits 0. convokit is
never imported by powerlens itself.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from powerlens.measures.deference import load_model, strategies
from powerlens.validation import data_root
from powerlens.validation.deference import load

CONVOKIT_SIDE = r"""
import json, sys, time
import spacy
from convokit import Corpus, PolitenessStrategies, Speaker, TextParser, Utterance


class Sentences:
    # TextParser's sent_tokenizer: spaCy's rule-based sentencizer on the blank English pipeline.
    # The sentencizer starts a sentence AT a whitespace token after the full stop ("page?  Or"),
    # where a parser attaches that token to the word before: strip it off.
    def __init__(self):
        self.nlp = spacy.blank("en")
        self.nlp.add_pipe("sentencizer")

    def tokenize(self, text):
        return [s.text.strip() for s in self.nlp(text).sents if s.text.strip()]


texts = json.load(open(sys.argv[1]))
started = time.perf_counter()
speaker = Speaker(id="requester")
corpus = Corpus(utterances=[
    Utterance(id=f"u{i}", speaker=speaker, conversation_id=f"u{i}", text=t)
    for i, t in enumerate(texts)
])
built = time.perf_counter() - started
started = time.perf_counter()
TextParser(mode="tokenize", spacy_nlp=spacy.blank("en"), sent_tokenizer=Sentences()).transform(
    corpus
)
for utt in corpus.iter_utterances():
    parses = utt.meta["parsed"]
    for sentence in parses:
        for tok in sentence["toks"]:
            tok["dep"] = "ROOT"
    utt.meta["parsed"] = parses
parsed = time.perf_counter() - started
out = {"built_s": built, "parse_s": parsed, "flags": {}, "seconds": {}}
for collection in ("politeness_api", "politeness_local"):
    started = time.perf_counter()
    PolitenessStrategies(
        strategy_collection=collection, strategy_attribute_name=collection
    ).transform(corpus)
    out["seconds"][collection] = time.perf_counter() - started
    flags = {}
    for i in range(len(texts)):
        for name, on in corpus.get_utterance(f"u{i}").meta[collection].items():
            if on:
                flags.setdefault(name, []).append(i)
    out["flags"][collection] = flags
json.dump(out, open(sys.argv[2], "w"))
"""

API = "feature_politeness_=={}=="
# ConvoKit strategy -> (powerlens label or None, status without a parse, what a parse would add)
API_TABLE: dict[str, tuple[str | None, str, str]] = {
    "Gratitude": ("gratitude", "partial", '"i" subject of "appreciate"'),
    "Deference": ("deference", "sentence", ""),
    "Indirect_(greeting)": ("greeting", "sentence", ""),
    "HASPOSITIVE": ("positive_lexicon", "token", ""),
    "HASNEGATIVE": ("negative_lexicon", "token", ""),
    "Apologizing": ("apologizing", "partial", '"i apologize", "forgive/excuse me"'),
    "Please": ("please", "sentence", ""),
    "Please_start": ("please_start", "sentence", ""),
    "Indirect_(btw)": ("indirect_btw", "parse", '"way" pobj of "by", third token'),
    "Direct_question": ("direct_question", "sentence", ""),
    "Direct_start": ("direct_start", "sentence", ""),
    "SUBJUNCTIVE": ("counterfactual_modal", "token", ""),
    "INDICATIVE": ("indicative_modal", "token", ""),
    "1st_person_start": ("first_person_start", "sentence", ""),
    "1st_person": ("first_person", "sentence", ""),
    "1st_person_pl.": ("first_person_plural", "token", ""),
    "2nd_person": ("second_person", "sentence", ""),
    "2nd_person_start": ("second_person_start", "sentence", ""),
    "HASHEDGE": ("hedges", "token", ""),
    "Hedges": (None, "parse", "subject of a hedge verb (powerlens folds it into hedges)"),
    "Factuality": ("factuality", "partial", '"in fact", "the point/reality/truth"'),
}
LOCAL_TABLE: dict[str, tuple[str | None, str, str]] = {
    "Gratitude": ("gratitude", "partial", '"i/we" + head "appreciate"'),
    "Greeting": ("greeting", "token", ""),
    "Apology": ("apologizing", "partial", '"i apologize", "forgive/excuse me"'),
    "Please": ("please", "sentence", ""),
    "Please.Start": ("please_start", "sentence", ""),
    "By.The.Way": ("indirect_btw", "token", ""),
    "Conj.Start": ("direct_start", "sentence", ""),
    "Subjunctive": ("counterfactual_modal", "token", ""),
    "Indicative": ("indicative_modal", "token", ""),
    "Hedges": ("hedges", "token", ""),
    "Actually": ("factuality", "partial", '"in fact", "the point/reality/truth"'),
    "Adverb.Just": (None, "parse", '"just" as adverbial modifier'),
    "Affirmation": (None, "sentence", ""),
    "Filler": (None, "token", ""),
    "For.Me": (None, "token", ""),
    "For.You": (None, "token", ""),
    "Reassurance": (None, "token", ""),
    "Swearing": (None, "partial", '"the hell/heck/fuck"'),
}


def sample_texts(root: Path, n: int, seed: int) -> list[str]:
    """``n`` request texts, half Wikipedia and half Stack Exchange, drawn with ``seed``."""
    rng = np.random.default_rng(seed)
    texts = []
    for k, domain in ((n - n // 2, "wikipedia"), (n // 2, "stack_exchange")):
        requests = load(root, domain)
        keep = np.sort(rng.choice(len(requests), min(k, len(requests)), replace=False))
        texts += [requests[i].text for i in keep]
    return texts


def agreement(ours: set[int], theirs: set[int], n: int) -> dict[str, float]:
    """Counts, Cohen's kappa and F1 (``theirs`` as reference) of two sets of flagged texts."""
    both, either = len(ours & theirs), len(ours | theirs)
    observed = (n - either + both) / n
    p_ours, p_theirs = len(ours) / n, len(theirs) / n
    chance = p_ours * p_theirs + (1 - p_ours) * (1 - p_theirs)
    kappa = (observed - chance) / (1 - chance) if chance < 1 else 1.0
    f1 = 2 * both / (len(ours) + len(theirs)) if ours or theirs else 1.0
    return {"both": both, "either": either, "kappa": kappa, "f1": f1}


def table(
    title: str,
    mapping: dict[str, tuple[str | None, str, str]],
    theirs: dict[str, list[int]],
    ours: dict[str, set[int]],
    n: int,
    key: str = "{}",
    texts: list[str] | None = None,
    examples: int = 0,
) -> None:
    """Print one collection's comparison, then the strategies not compared and why."""
    print(f"\n{title}")
    head = f"{'convokit':<20} {'powerlens':<21} {'status':<8}"
    print(f"{head} {'ck':>5} {'pl':>5} {'both':>5} {'either':>6} {'kappa':>6} {'F1':>5}")
    skipped = []
    for name, (label, status, missing) in mapping.items():
        flagged = set(theirs.get(key.format(name), []))
        if label is None or status == "parse":
            why = f"needs a parse: {missing}" if status == "parse" else "no powerlens strategy"
            if label:
                why += f"; powerlens's {label} flags {len(ours.get(label, ()))}"
            skipped.append(f"  {name} ({status}, convokit flags {len(flagged)}): {why}")
            continue
        a = agreement(ours.get(label, set()), flagged, n)
        print(
            f"{name:<20} {label:<21} {status:<8} {len(flagged):>5} {len(ours.get(label, ())):>5}"
            f" {a['both']:>5} {a['either']:>6} {a['kappa']:>6.2f} {a['f1']:>5.2f}"
        )
        if texts and examples:
            mine = ours.get(label, set())
            for side, rows in (
                ("convokit only", flagged - mine),
                ("powerlens only", mine - flagged),
            ):
                for i in sorted(rows)[:examples]:
                    print(f"    {side}: {' '.join(texts[i].split())[:160]!r}")
    partial = [f"{n_} ({m})" for n_, (lab, s, m) in mapping.items() if s == "partial" and lab]
    if partial:
        print("  partial = the dependency part never fires here: " + "; ".join(partial))
    print("not compared:")
    print("\n".join(skipped))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--n", type=int, default=3000, help="requests (half from each site)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--ckenv", default="/tmp/ckenv/bin/python")
    parser.add_argument("--core", type=int, default=0, help="CPU both tools are pinned to")
    parser.add_argument(
        "--examples", type=int, default=0, help="print up to this many disagreeing texts each way"
    )
    args = parser.parse_args()
    if not Path(args.ckenv).exists():
        print(f"no ConvoKit Python at {args.ckenv}; nothing to compare against.")
        return 0
    root = data_root()
    if root is None or not (root / "stanford_politeness").is_dir():
        print("the Stanford Politeness Corpus is not in the shared data folder; nothing to run.")
        return 0
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.core})
    texts = sample_texts(root, args.n, args.seed)
    n = len(texts)

    strategies("Could you please check this? Thanks, I really appreciate it.")  # compile rules
    ours: dict[str, set[int]] = {}
    started = time.perf_counter()
    found = [strategies(t) for t in texts]
    ours_s = time.perf_counter() - started
    for i, hits in enumerate(found):
        for label in {h.label for h in hits}:
            ours.setdefault(label, set()).add(i)
    model = load_model()
    model.score(texts[0], found[0])  # warm-up
    started = time.perf_counter()
    for text, hits in zip(texts, found, strict=True):
        model.score(text, hits)
    score_s = time.perf_counter() - started

    one_thread = {k: "1" for k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")}
    env = {**os.environ, **one_thread, "TOKENIZERS_PARALLELISM": "false"}
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = Path(tmp) / "texts.json", Path(tmp) / "flags.json"
        src.write_text(json.dumps(texts), encoding="utf-8")
        done = subprocess.run(
            [args.ckenv, "-c", CONVOKIT_SIDE, str(src), str(dst)],
            env=env,
            capture_output=True,
            text=True,
        )
        if done.returncode:
            raise SystemExit(done.stderr[-3000:])
        ck = json.loads(dst.read_text(encoding="utf-8"))

    print(
        f"requests: {n:,} ({n - n // 2:,} Wikipedia, {n // 2:,} Stack Exchange), seed {args.seed}"
    )
    table(
        "politeness_api (the paper's strategies)",
        API_TABLE,
        ck["flags"]["politeness_api"],
        ours,
        n,
        API,
        texts,
        args.examples,
    )
    table(
        "politeness_local (local markers)",
        LOCAL_TABLE,
        ck["flags"]["politeness_local"],
        ours,
        n,
        texts=texts,
        examples=args.examples,
    )
    api_s, local_s = ck["seconds"]["politeness_api"], ck["seconds"]["politeness_local"]
    print(f"\ntime on one core, {n:,} texts:")
    print(f"  powerlens strategies (tokens, sentences, all rules): {ours_s:.2f} s")
    print(f"  powerlens politeness model score on those hits:     {score_s:.2f} s")
    print(f"  convokit Corpus construction:                       {ck['built_s']:.2f} s")
    print(f"  convokit TextParser (blank en + sentencizer):       {ck['parse_s']:.2f} s")
    print(f"  convokit PolitenessStrategies politeness_api:       {api_s:.2f} s")
    print(f"  convokit PolitenessStrategies politeness_local:     {local_s:.2f} s")
    print(
        "speed ratio, convokit (TextParser + politeness_api) / powerlens strategies: "
        f"{(ck['parse_s'] + api_s) / ours_s:.1f}x (strategies alone: {api_s / ours_s:.1f}x)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
