"""Reports of a diagnosis: terminal (rich), json, markdown, html, junit, sarif."""

from __future__ import annotations

from medic.diagnose import DiagnoseResult
from medic.report.formats import html, json_report, junit, markdown, sarif

FORMATS = ("terminal", "json", "markdown", "html", "junit", "sarif")


def render(result: DiagnoseResult, fmt: str) -> str:
    """The report as text, for every format but ``terminal`` (printed by ``report.terminal``)."""
    renderers = {"json": json_report, "markdown": markdown, "html": html, "junit": junit, "sarif": sarif}
    return renderers[fmt](result)
