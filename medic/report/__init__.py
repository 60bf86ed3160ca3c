"""Reports of a diagnosis: terminal (rich), json, markdown, html, junit, sarif.

``medic.report.safe`` (output hygiene) imports nothing of ours: every printer, the act commands included,
can use it without loading the diagnosis machinery, so the formats are imported only when rendering.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from medic.diagnose import DiagnoseResult

FORMATS = ("terminal", "json", "markdown", "html", "junit", "sarif")


def render(result: DiagnoseResult, fmt: str) -> str:
    """The report as text, for every format but ``terminal`` (printed by ``report.terminal``)."""
    from medic.report.formats import html, json_report, junit, markdown, sarif

    renderers = {"json": json_report, "markdown": markdown, "html": html, "junit": junit, "sarif": sarif}
    return renderers[fmt](result)
