"""The local web app (``powerlens serve``): paste or upload, read the report, do the practices.

Needs the ``web`` extra (``pip install "powerlens[web]"``). Importing this package does not
import the web framework; ``create_app`` does, on first call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from powerlens.web.settings import Settings, default_data_dir

if TYPE_CHECKING:
    from fastapi import FastAPI


def create_app(settings: Settings | None = None) -> FastAPI:
    """The FastAPI app for ``settings`` (see ``powerlens.web.app.create_app``)."""
    from powerlens.web.app import create_app as build

    return build(settings)


__all__ = ["Settings", "create_app", "default_data_dir"]
