"""Every report format on hostile data: control characters, Rich markup, HTML, Markdown links, invalid XML.

The result is built in-process from a snapshot whose names, messages, evidence and metadata carry the
payloads, run through the real checks; each format is then read back with a real parser (expat for JUnit,
json for SARIF and JSON, markdown-it for Markdown, html.parser for HTML) and asserted on.
"""

from __future__ import annotations

import io
import json
import re
import time
from html.parser import HTMLParser
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from markdown_it import MarkdownIt
from rich.console import Console

from medic.diagnose import DiagnoseResult, diagnose
from medic.model import Outcome, Snapshot
from medic.report import render
from medic.report.safe import dumps, html_text, md, printable, term, xml_text
from medic.report.terminal import print_report

TITLE = "\x1b]0;pwned\x07"  # OSC: sets the terminal's title
CLEAR = "\x1b[2J"  # CSI: clears the screen
CSI8 = "\x9b31m"  # the 8-bit CSI (C1), red
BIDI = "\u202e"  # right-to-left override
MARKUP = "[bold red]loud[/] [link=https://evil.example]click[/link]"
HTML = "<script>alert(1)</script><img src=x onerror=alert(2)>"
LINK = "[x](javascript:alert(3)) `tick` | pipe"
SURROGATE = "\ud800"
HOSTILE = f"{TITLE}{CLEAR}{CSI8}{BIDI}{MARKUP}{HTML}{LINK}\x00\x7f"
# what must never reach a terminal or a document raw: C0 but tab/newline, DEL, C1, bidi controls
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
POD = f"web{CLEAR}{BIDI}|`x`[y](javascript:z)-0"
NS = "shop"


def hostile_snapshot() -> Snapshot:
    """A crash-looping pod (POD101) whose name, messages and events carry every payload; a 403 on secrets."""
    pod = {
        "metadata": {"name": POD, "namespace": NS},
        "spec": {"containers": [{"name": "api", "image": "registry.local/api:1"}]},
        "status": {
            "phase": "Running",
            "containerStatuses": [
                {
                    "name": "api",
                    "ready": False,
                    "restartCount": 9,
                    "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off " + HOSTILE}},
                    "lastState": {"terminated": {"reason": "Error", "exitCode": 1}},
                }
            ],
        },
    }
    event = {
        "involvedObject": {"kind": "Pod", "namespace": NS, "name": POD},
        "type": "Warning",
        "reason": "BackOff",
        "message": "Back-off restarting failed container " + HOSTILE + SURROGATE,
        "count": 3,
        "lastTimestamp": "2026-11-20T02:59:00Z",
    }
    return Snapshot(
        objects={"pods": [pod], "events": [event], "namespaces": [{"metadata": {"name": NS}}]},
        meta={
            "collected_at": "2026-11-20T03:00:00Z",
            "context": "ctx" + HOSTILE,
            "cluster_version": "v1.29" + CLEAR,
            "skipped": [{"kind": "secrets", "status": 403, "reason": "forbidden " + HOSTILE}],
        },
    )


@pytest.fixture(scope="module")
def result() -> DiagnoseResult:
    res = diagnose(hostile_snapshot(), None)
    assert [f.object.name for f in res.findings if f.code == "POD101"] == [POD]
    return res


# -- the sanitiser itself


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("a\x1bb", "a\\x1bb"),
        (TITLE, "\\x1b]0;pwned\\x07"),
        (CSI8, "\\x9b31m"),
        (BIDI + "x", "\\u202ex"),
        ("\u2066x\u2069", "\\u2066x\\u2069"),
        ("tab\tnew\nline", "tab\tnew\nline"),
        ("cr\rdel\x7f", "cr\\x0ddel\\x7f"),
        ("日本語 ok", "日本語 ok"),
    ],
)
def test_printable_shows_controls_and_keeps_text(text: str, shown: str) -> None:
    assert printable(text) == shown


def _consoles() -> tuple[Console, io.StringIO, Console, io.StringIO]:
    """A console as on a colour terminal (styles become escape sequences) and one on a pipe (plain)."""
    tty, plain = io.StringIO(), io.StringIO()
    return (
        Console(file=tty, width=400, force_terminal=True, color_system="truecolor", highlight=False),
        tty,
        Console(file=plain, width=400, force_terminal=False, highlight=False),
        plain,
    )


def test_term_escapes_rich_markup() -> None:
    styled, tty, console, plain = _consoles()
    for c in (styled, console):
        c.print("name: " + term(MARKUP + TITLE))
    assert plain.getvalue() == "name: " + MARKUP + "\\x1b]0;pwned\\x07\n"
    assert tty.getvalue() == plain.getvalue()  # nothing in it became a style, a link or a sequence


def test_dumps_is_exact_and_escapes_what_a_terminal_obeys() -> None:
    value = {"k": HOSTILE + SURROGATE}
    text = dumps(value)
    assert json.loads(text) == value
    assert not RAW.search(text) and SURROGATE not in text
    text.encode("utf-8")  # a lone surrogate left raw would not encode


def test_md_html_xml_escapes() -> None:
    assert md("a|b `c` [d](e) <f> & *g* _h_") == r"a\|b \`c\` \[d\]\(e\) &lt;f&gt; &amp; \*g\* \_h\_"
    assert html_text('<img src="x" onerror=y>') == "&lt;img src=&quot;x&quot; onerror=y&gt;"
    assert xml_text("a\x1b\ud800\ufffe") == "a\\x1b\\ud800\\ufffe"


def _cost(text: str) -> float:
    start = time.perf_counter()
    for fn in (printable, term, md, html_text, xml_text):
        fn(text)
    dumps({"k": text})
    return time.perf_counter() - start


def test_sanitising_is_linear() -> None:
    unit = TITLE + BIDI + MARKUP + HTML + "x" * 60
    small, big = _cost(unit * 5000), _cost(unit * 40000)  # ~0.8 MB and ~6.6 MB, dense with payloads
    # 8x the input: a linear pass costs ~8x (16 leaves room for a noisy machine); a quadratic one 64x
    assert big < 16 * small + 0.05, (small, big)
    assert big < 10.0  # and no absurd constant: about a second here


# -- every format on the hostile result


def test_terminal_report_shows_data_as_text(result: DiagnoseResult) -> None:
    styled, tty, console, plain = _consoles()
    print_report(console, result, explain=True)
    print_report(styled, result, explain=True)
    text = plain.getvalue()
    assert not RAW.search(text)
    assert "[bold red]loud[/]" in text and "[link=https://evil.example]click[/link]" in text
    assert "web\\x1b[2J\\u202e|`x`[y](javascript:z)-0" in text
    # on a terminal, the only escape sequences are Rich's own colours (SGR): no title, clear, link, cursor
    sequences = set(re.findall(r"\x1b[^m]*m?", tty.getvalue()))
    assert sequences and all(re.fullmatch(r"\x1b\[[0-9;]*m", seq) for seq in sequences), sequences
    assert "not evaluated" in text and "403 on secrets" in text


def test_json_is_exact(result: DiagnoseResult) -> None:
    text = render(result, "json")
    assert not RAW.search(text)
    data = json.loads(text)
    assert data["cluster"]["context"] == "ctx" + HOSTILE
    pod101 = [f for f in data["findings"] if f["code"] == "POD101"]
    assert pod101[0]["object"]["name"] == POD
    rows = {r["code"]: r for r in data["coverage"]["checks"]}
    assert rows["POD101"] == {"code": "POD101", "outcome": "failed", "reason": "", "findings": 1}
    assert rows["CP352"]["outcome"] == "not evaluated" and rows["CP352"]["reason"] == "403 on secrets"
    assert rows["HOST601"]["outcome"] == "skipped"
    assert sum(data["coverage"]["counts"].values()) == len(rows) == len(result.known)


def _tokens(text: str) -> list[Any]:
    out = []
    for tok in MarkdownIt("commonmark").enable("table").parse(text):
        out.append(tok)
        out.extend(tok.children or [])
    return out


def test_markdown_carries_no_markup_from_data(result: DiagnoseResult) -> None:
    text = render(result, "markdown")
    assert not RAW.search(text)
    tokens = _tokens(text)
    assert not [t for t in tokens if t.type in ("html_block", "link_open", "image")]
    assert {t.content for t in tokens if t.type == "html_inline"} <= {"<br>"}  # our own line breaks only
    assert not [t for t in tokens if t.type == "code_inline"]  # a backtick from data opens no code span
    # each finding row keeps its four cells: a pipe from data does not split one
    rows = [line for line in text.splitlines() if line.startswith("| POD101 | Pod/")]
    assert len(rows) == 1 and len(re.findall(r"(?<!\\)\|", rows[0])) == 5
    rendered = MarkdownIt("commonmark").enable("table").render(text)
    assert "<script>" not in rendered and "onerror=" not in rendered.replace("onerror=alert(2)&gt;", "")
    assert "&lt;script&gt;" in rendered and "## Coverage" in text and "| CP352 | not evaluated |" in text


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_escapes_every_field(result: DiagnoseResult) -> None:
    text = render(result, "html")
    assert not RAW.search(text)
    parser = _Tags()
    parser.feed(text)
    tags = {t for t, _a in parser.tags}
    assert tags <= {"html", "head", "meta", "title", "style", "body", "h1", "h2", "p", "table", "tr", "th", "td"} | {
        "div",
        "code",
        "br",
    }
    assert not [a for _t, attrs in parser.tags for a, _v in attrs if a.startswith("on") or a in ("href", "src")]
    assert HTML in "".join(parser.text)  # the payload is there, as text


def test_junit_is_valid_xml_with_outcomes(result: DiagnoseResult) -> None:
    text = render(result, "junit")
    suite = ET.fromstring(text.encode("utf-8"))
    cases = {c.get("name", "").split(" ", 1)[0]: c for c in suite.iter("testcase")}
    assert len(cases) == len(result.known) == int(suite.get("tests", "0"))
    assert cases["POD101"].find("failure") is not None
    skipped = cases["CP352"].find("skipped")
    assert skipped is not None and skipped.get("message") == "not evaluated: 403 on secrets"
    host = cases["HOST601"].find("skipped")
    assert host is not None and host.get("message") == "skipped: no host facts in this snapshot"
    assert int(suite.get("skipped", "0")) == len(result.with_outcome(Outcome.NOT_EVALUATED)) + len(
        result.with_outcome(Outcome.SKIPPED)
    )
    failure = cases["POD101"].find("failure")
    assert failure is not None and "web\\x1b[2J\\u202e|`x`[y](javascript:z)-0" in (failure.text or "")


def test_sarif_is_valid_with_notifications(result: DiagnoseResult) -> None:
    text = render(result, "sarif")
    assert not RAW.search(text)
    doc = json.loads(text)
    assert doc["version"] == "2.1.0" and len(doc["runs"]) == 1
    run = doc["runs"][0]
    assert run["tool"]["driver"]["name"] == "medic"
    for rule in run["tool"]["driver"]["rules"]:
        assert rule["id"] and rule["shortDescription"]["text"]
    for res in run["results"]:
        assert res["ruleId"] and res["message"]["text"] and res["level"] in ("error", "warning", "note")
    (invocation,) = run["invocations"]
    assert invocation["executionSuccessful"] is False  # secrets could not be read
    notes = {n["descriptor"]["id"]: n for n in invocation["toolExecutionNotifications"]}
    assert notes["CP352"]["level"] == "warning" and notes["CP352"]["message"]["text"] == (
        "CP352 not evaluated: 403 on secrets"
    )
    assert notes["HOST601"]["level"] == "note"
    pod = next(r for r in run["results"] if r["ruleId"] == "POD101")
    assert pod["locations"][0]["logicalLocations"][0]["name"] == POD
