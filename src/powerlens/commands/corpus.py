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

from powerlens.commands.options import ReplyTo, reply_to_previous
from powerlens.corpus.coordination import coordination_of
from powerlens.errors import MissingRequirementError, UsageError
from powerlens.measures.accommodation import (
    MarkerMatcher,
    Thresholds,
    compare_groups,
    coordination_counts,
    group_label,
    speaker_groups,
)
from powerlens.readers import load

corpus_app = typer.Typer(
    help="Statistics over a whole corpus: coordination between speaker groups, and more.",
    no_args_is_help=True,
)

NO_REPLY_LINKS = (
    "coordination needs reply_to; this file has none — pass --reply-to previous to treat each "
    "turn as a reply to the one before"
)


def coordination_report(
    data: Path,
    group_field: str,
    *,
    markers: Path | None = None,
    reply_to: str | None = None,
    min_exchanges: int = 0,
    seed: int = 0,
    bootstrap: int = 1000,
    permutations: int = 1000,
) -> dict[str, Any]:
    """Read ``data`` and compare coordination between the groups of ``group_field``.

    A ConvoKit folder or interchange file is streamed in batches and counted in bulk
    (``powerlens.corpus.columns.coordination_of``); other data, and data whose rows must be
    grouped in memory, is loaded whole. Both give the same counts.
    """
    previous = reply_to_previous(reply_to)
    matcher = MarkerMatcher(markers)
    path = Path(data)
    streamed = coordination_of(path, matcher, reply_to_previous=previous) if path.exists() else None
    if streamed is None:
        conversations = load(data)
        linked = any(c.has_reply_links() for c in conversations)
        groups = speaker_groups(conversations, group_field) if linked or previous else {}
    else:
        linked = streamed.linked
        key = group_field.removeprefix("speaker.")
        groups = {
            name: group_label(meta[key])
            for name, meta in streamed.meta.items()
            if meta.get(key) not in (None, "")
        }
    if not previous and not linked:
        raise MissingRequirementError(NO_REPLY_LINKS)
    if not groups:
        raise UsageError(
            f"no speaker in {data} has the field {group_field!r}.",
            fix="name a speaker metadata field (a speaker.<field> column in interchange files)",
        )
    counts = (
        streamed.counts
        if streamed is not None
        else coordination_counts(conversations, markers=matcher, reply_to_previous=previous)
    )
    result = compare_groups(
        counts,
        groups,
        thresholds=Thresholds(exchanges=min_exchanges),
        n_bootstrap=bootstrap,
        n_permutations=permutations,
        seed=seed,
    )
    result["group_field"] = group_field
    result["markers_source"] = matcher.markers.source
    return result


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:+.4f}"


def coordination_table(result: dict[str, Any]) -> Table:
    """A readable table: one column per direction, one row per marker and aggregate."""
    field = result.get("group_field", "group")
    table = Table(title=f"Coordination between groups of {field} (speakers → targets)")
    table.add_column("marker")
    for entry in result["directed"]:
        table.add_column(f"{entry['speakers']} → {entry['targets']}", justify="right")
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
            reply_to=reply_to,
            min_exchanges=min_exchanges,
            seed=seed,
            bootstrap=bootstrap,
        )
        if format == "json":
            sys.stdout.write(json.dumps(result, indent=2) + "\n")
        else:
            Console().print(coordination_table(result))

    fail_cleanly(run)()


def register(app: typer.Typer) -> None:
    """Add the ``corpus`` command group to the ``powerlens`` command."""
    app.add_typer(corpus_app, name="corpus")
