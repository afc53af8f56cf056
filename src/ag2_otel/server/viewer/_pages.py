"""Render the HTML shell shared by every viewer page."""

from __future__ import annotations

import html
from dataclasses import dataclass
from functools import cache
from importlib import resources
from string import Template


@dataclass(frozen=True)
class Page:
    """What one HTML page needs: its kind, title and JSON twin."""

    kind: str
    title: str
    json_url: str
    trace_id: str = ""


@cache
def _template() -> Template:
    templates = resources.files("ag2_otel.server.viewer").joinpath("templates")
    return Template(templates.joinpath("page.html").read_text("utf-8"))


def render_page(page: Page, static_prefix: str) -> str:
    """Fill the shell; every value is HTML-escaped."""
    values = {
        "page": page.kind,
        "title": page.title,
        "json_url": page.json_url,
        "trace_id": page.trace_id,
        "static": static_prefix,
    }
    return _template().substitute({key: html.escape(value, quote=True) for key, value in values.items()})
