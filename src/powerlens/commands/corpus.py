"""``powerlens corpus ...``: statistics over many conversations at once.

``corpus coordination`` compares linguistic style coordination between speaker groups
("Echoes of power"; see ``powerlens.measures.accommodation``). Other corpus commands are
added to ``corpus_app`` by their own modules.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from powerlens.commands.options import ReplyTo, reply_to_previous
from powerlens.corpus.coordination import coordination_report
from powerlens.errors import UsageError
from powerlens.measures.accommodation import Thresholds, Turns
from powerlens.report.terminal import clean

corpus_app = typer.Typer(
    help="Statistics over a whole corpus: coordination between speaker groups, and more.",
    no_args_is_help=True,
)

Unit = Annotated[
    str,
    typer.Option(
        help="What is scored: speaker (ConvoKit's default), speaker-per-conversation, or one "
        "unit per speaker and value of an utterance field (meta.<field>) or speaker field "
        "(speaker.<field>), as ConvoKit's split_by_attribs."
    ),
]
TargetThreshold = Annotated[
    int,
    typer.Option(
        help="Target utterances that must show a marker for it to be scored (ConvoKit's "
        "target_thresh; its Supreme Court example uses 5)."
    ),
]
MergeTurns = Annotated[
    bool,
    typer.Option(
        "--merge-turns", help="Consecutive utterances of one speaker are one turn."
    ),
]
Boundary = Annotated[
    list[str] | None,
    typer.Option(
        help="Utterance field (meta.<field>, repeatable); where it is true, a new reply chain "
        "starts: that utterance replies to nothing and is not merged into the one before."
    ),
]



def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:+.4f}"


def _setup(result: dict[str, Any]) -> str:
    """The choices behind the numbers, in one line under the table."""
    turns = result.get("turns") or {}
    parts = [
        f"unit: {turns.get('unit', 'speaker')}",
        f"target threshold {result['thresholds']['target']}",
        f"replies: {'previous turn' if turns.get('reply_to') else 'reply links'}",
    ]
    if turns.get("merge_turns"):
        parts.append("turns merged")
    if turns.get("boundaries"):
        parts.append("chains start at " + ", ".join(turns["boundaries"]))
    parts.append(f"{result['n_bootstrap']} resamples, {result['n_permutations']} permutations")
    return "; ".join(parts)


def coordination_table(result: dict[str, Any]) -> Table:
    """A readable table: one column per direction, one row per marker and aggregate."""
    field = result.get("group_field", "group")
    table = Table(
        title=Text(clean(f"Coordination between groups of {field} (speakers → targets)")),
        caption=Text(clean(_setup(result))),
    )
    table.add_column("marker")
    for entry in result["directed"]:
        table.add_column(Text(clean(f"{entry['speakers']} → {entry['targets']}")), justify="right")
    for marker in result["markers"]:
        cells = []
        for entry in result["directed"]:
            m = entry["markers"][marker]
            ci = m["ci"]
            span = f" [{ci[0]:+.3f}, {ci[1]:+.3f}]" if ci else ""
            cells.append(_fmt(m["score"]) + span)
        table.add_row(marker, *cells)
    for name in ("agg1", "agg2", "agg3"):
        cells = []
        for entry in result["directed"]:
            ci = entry["aggregate_ci"][name]
            span = f" [{ci[0]:+.3f}, {ci[1]:+.3f}]" if ci else ""
            cells.append(_fmt(entry["aggregate"][name]) + span)
        table.add_row(name, *cells, style="bold")
    table.add_row("exchanges", *(str(e["n_exchanges"]) for e in result["directed"]))
    table.add_row("speakers", *(str(e["n_speakers"]) for e in result["directed"]))
    table.add_row(
        "p (vs reverse)",
        *("–" if e["p_value"] is None else f"{e['p_value']:.4f}" for e in result["directed"]),
    )
    return table


@corpus_app.command("coordination")
def coordination_command(
    data: Annotated[Path, typer.Argument(help="Interchange file or ConvoKit corpus directory.")],
    group_field: Annotated[
        str, typer.Option("--group-field", help="Speaker metadata field that defines the groups.")
    ],
    format: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
    markers: Annotated[
        Path | None, typer.Option(help="Marker file (JSON or category<TAB>word) to use instead.")
    ] = None,
    reply_to: ReplyTo = None,
    min_exchanges: Annotated[
        int, typer.Option(help="Minimum exchanges for a speaker to be scored.")
    ] = 0,
    seed: Annotated[int, typer.Option(help="Seed of the bootstrap and permutation test.")] = 0,
    bootstrap: Annotated[int, typer.Option(help="Bootstrap resamples of speakers.")] = 1000,
    permutations: Annotated[
        int, typer.Option(help="Permutations of the test between directions.")
    ] = 1000,
    unit: Unit = "speaker",
    target_threshold: TargetThreshold = Thresholds.target,
    merge_turns: MergeTurns = False,
    boundary: Boundary = None,
) -> None:
    """Compare style coordination between speaker groups, with intervals and a p-value."""
    from powerlens.cli import fail_cleanly

    def run() -> None:
        if format not in ("table", "json"):
            raise UsageError(f"unknown format {format!r}.", fix="use table or json")
        result = coordination_report(
            data,
            group_field,
            markers=markers,
            reply_to_previous=reply_to_previous(reply_to),
            min_exchanges=min_exchanges,
            seed=seed,
            bootstrap=bootstrap,
            permutations=permutations,
            turns=Turns(unit, merge_turns, tuple(boundary or ())),
            target_threshold=target_threshold,
        )
        if format == "json":
            sys.stdout.write(json.dumps(result, indent=2) + "\n")
        else:
            Console().print(coordination_table(result))

    fail_cleanly(run)()


def register(app: typer.Typer) -> None:
    """Add the ``corpus`` command group to the ``powerlens`` command."""
    app.add_typer(corpus_app, name="corpus")
