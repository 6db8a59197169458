"""Report formats, one module each, all rendering the same ``Report``."""

from __future__ import annotations

import importlib

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
    if format not in RENDERERS:
        raise UsageError(
            f"unknown report format {format!r}.", fix=f"choose from: {', '.join(RENDERERS)}"
        )
    module = importlib.import_module(RENDERERS[format])
    text: str = module.render(report)
    return text


__all__ = ["RENDERERS", "render"]
