"""Report formats, one module each, all rendering the same ``Report``."""

from __future__ import annotations

import importlib
from typing import IO, Any

from powerlens.errors import UsageError
from powerlens.model import Report

RENDERERS = {
    "terminal": "powerlens.report.terminal",
    "json": "powerlens.report.json_report",
    "html": "powerlens.report.html",
    "md": "powerlens.report.markdown",
}
"""Format name -> module with a ``render(report) -> str`` function."""


def render(report: Report, format: str = "terminal") -> str:
    """The report as text in ``format`` (see ``RENDERERS``)."""
    text: str = _module(format).render(report)
    return text


def write(report: Report, format: str, out: IO[str], *, newline: bool = False) -> None:
    """Write ``render(report, format)`` to ``out``, ending with a newline when ``newline``.

    JSON is streamed piece by piece (``json_report.write``), so a long history's report is
    never held in memory as one string; the other formats are rendered, then written.
    """
    module = _module(format)
    if format == "json":
        module.write(report, out)
        ends = False
    else:
        text: str = module.render(report)
        out.write(text)
        ends = text.endswith("\n")
    if newline and not ends:
        out.write("\n")


def _module(format: str) -> Any:
    if format not in RENDERERS:
        raise UsageError(
            f"unknown report format {format!r}.", fix=f"choose from: {', '.join(RENDERERS)}"
        )
    return importlib.import_module(RENDERERS[format])


__all__ = ["RENDERERS", "render", "write"]
