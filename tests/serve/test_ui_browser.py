"""The web UI in a real headless Chromium (Debian's, driven by Playwright) against a real `medic serve`.

Screenshots of every page at 1400 px and 390 px wide land in build/screenshots/ (not committed).
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from medic.knowledge.store import Store
from tests.serve.helpers import TOKEN, Server, drain_entry, dry_run, wait_triaged

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "build" / "screenshots"
DESCRIBE = ROOT / "tests" / "data" / "outputs" / "kubectl-describe" / "portainer-5314-pod-crashloop.txt"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
HOSTILE = '<script>window.__pwned = 1; alert("x")</script><img src=x onerror="window.__pwned=2;alert(2)">'


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture()
def page(browser: Any, server: Server) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 900}, base_url=server.url)
    pg = context.new_page()
    pg.dialogs = []  # type: ignore[attr-defined]
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))  # type: ignore[attr-defined]
    yield pg
    context.close()


def shoot(pg: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1400, 390):
        pg.set_viewport_size({"width": width, "height": 900})
        pg.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
    pg.set_viewport_size({"width": 1400, "height": 900})


def sign_in(pg: Any) -> None:
    pg.goto("/ui/login")
    pg.fill("#token", TOKEN)
    pg.click("input[type=submit]")
    pg.wait_for_url("**/ui/incidents")


def alert(server: Server, fingerprint: str, **annotations: str) -> int:
    payload = json.loads((Path(__file__).parent / "data" / "alertmanager-firing.json").read_text())
    payload["alerts"] = payload["alerts"][:1]
    payload["alerts"][0].update(fingerprint=fingerprint, startsAt="2026-12-04T00:00:00Z")
    payload["alerts"][0]["annotations"].update(annotations)
    status, doc = server.call("POST", "/api/v1/alerts/alertmanager", payload)
    assert status == 202
    return int(doc["incidents"][0])


def test_an_alert_appears_live_in_an_open_page(page: Any, server: Server) -> None:
    page.goto("/ui/incidents")
    assert page.locator("text=LiveAlertFromTheTest").count() == 0
    payload = json.loads((Path(__file__).parent / "data" / "alertmanager-firing.json").read_text())
    payload["alerts"] = payload["alerts"][:1]
    payload["alerts"][0]["labels"]["alertname"] = "LiveAlertFromTheTest"
    payload["alerts"][0]["fingerprint"] = "live0000live0000"
    assert server.call("POST", "/api/v1/alerts/alertmanager", payload)[0] == 202
    page.wait_for_selector("text=LiveAlertFromTheTest", timeout=20000)  # no reload: server-sent events
    shoot(page, "incidents")


def test_paste_to_triage_shows_the_finding_and_an_entry(page: Any) -> None:
    sign_in(page)
    page.goto("/ui/triage")
    page.fill("#text", DESCRIBE.read_text())
    page.click("input[type=submit]")
    page.wait_for_selector("h2:has-text('Findings')", timeout=60000)
    assert page.locator("td:has-text('POD101')").count() >= 1
    # the runbook entry the check links to is shown with its finding, printed as a match or not
    assert page.locator("tr:has(td:has-text('POD101')) td.finding-entries a").count() >= 1
    # the result has a permalink: opened again (a colleague, a reload), it shows the same without re-posting
    assert re.search(r"/ui/triage/\d+$", page.url), page.url
    page.goto(page.url)
    assert page.locator("td:has-text('POD101')").count() >= 1 and page.locator("#text").input_value() == ""
    shoot(page, "triage")


def test_japanese_search_finds_a_japanese_entry(page: Any, seeded_store: Store) -> None:
    rows = seeded_store.db.execute("SELECT data FROM entries").fetchall()
    titles = [json.loads(r[0]) for r in rows]
    ja = next(
        e
        for e in titles
        if e["lang"] == "ja" and not e["builtin"] and re.search("[\u3040-\u30ff\u4e00-\u9fff]{4}", e["title"])
    )
    word = re.search("[\u3040-\u30ff\u4e00-\u9fff]{4}", ja["title"]).group(0)  # type: ignore[union-attr]
    page.goto(f"/ui/search?q={word}&lang=ja")
    results = page.locator("ol li a")
    assert results.count() >= 1
    assert page.locator("ol li a[lang=ja]").count() == results.count()
    shoot(page, "search")
    results.first.click()
    page.wait_for_selector("article[lang=ja] h1")
    shoot(page, "entry")


def test_an_incident_shows_its_runbook_entry(page: Any, server: Server) -> None:
    """The on-call person's landing page: the alert, the entry that explains it with the lines that earned it, its
    tests and fix steps (the README shows this screenshot)."""
    incident = alert(
        server,
        "screen00screen00",
        description="worker-1 has been unready for more than 15 minutes: Kubelet stopped posting node status.",
    )
    matches = wait_triaged(server, incident)["triage"]["matches"]
    assert matches and "NotReady" in matches[0]["title"]
    sign_in(page)
    page.goto(f"/ui/incidents/{incident}")
    first = page.locator(".match h3 a").first
    assert "NotReady" in first.inner_text()
    assert page.locator(".match button.copy").count() >= 1
    shoot(page, "incident-matched")
    first.click()  # the entry's page names the checks whose findings point to it
    page.wait_for_selector("article h1")
    assert "NODE301" in page.locator("p.checks").inner_text()


def test_a_verdict_is_stored(page: Any, server: Server) -> None:
    incident = alert(server, "verdict0verdict0")
    sign_in(page)
    page.goto(f"/ui/incidents/{incident}")
    page.click("button[value=wrong]")
    page.wait_for_selector("text=Stored: wrong")
    assert server.call("GET", f"/api/v1/incidents/{incident}")[1]["verdict"] == "wrong"
    shoot(page, "incident")


def test_hostile_alert_text_renders_inert(page: Any, server: Server) -> None:
    payload = json.loads((Path(__file__).parent / "data" / "alertmanager-firing.json").read_text())
    payload["alerts"] = payload["alerts"][:1]
    a = payload["alerts"][0]
    a.update(fingerprint="xss0xss0xss0xss0", generatorURL="javascript:alert(3)")
    a["labels"].update(alertname=HOSTILE, namespace=HOSTILE)
    a["annotations"].update(summary=HOSTILE, description=HOSTILE)
    status, doc = server.call("POST", "/api/v1/alerts/alertmanager", payload)
    assert status == 202
    page.goto("/ui/incidents")
    page.wait_for_timeout(500)
    page.goto(f"/ui/incidents/{doc['incidents'][0]}")
    assert page.locator("h1").first.inner_text().startswith("<script>")  # shown as text
    assert page.locator("a[href^='javascript:']").count() == 0
    assert page.evaluate("window.__pwned === undefined")
    assert page.dialogs == []  # type: ignore[attr-defined]


def test_cross_site_form_post_is_refused(page: Any, server: Server) -> None:
    incident = alert(server, "csrf0csrf0csrf00")
    sign_in(page)
    status = page.evaluate(
        """async (id) => (await fetch('/ui/incidents/' + id + '/verdict', {method: 'POST',
            headers: {'content-type': 'application/x-www-form-urlencoded', 'origin': 'http://evil.example'},
            body: 'verdict=right'})).status""",
        incident,
    )
    # the browser sets Origin itself (the page's own), so a same-page fetch passes; a foreign Origin is what
    # another site would send: checked directly against the server
    assert status in (200, 303)
    code, _ = server.call(
        "POST",
        f"/ui/incidents/{incident}/verdict",
        b"verdict=none",
        headers={"origin": "http://evil.example", "content-type": "application/x-www-form-urlencoded"},
    )
    assert code == 403


def test_diagnosis_report_filters(page: Any, server: Server, tmp_path: Path) -> None:
    from medic.cli import demo_bundle_path
    from medic.evidence.bundle import read_bundle, write_bundle

    bundle = tmp_path / "demo.tar.gz"
    write_bundle(read_bundle(demo_bundle_path()), bundle)
    status, report = server.call("POST", "/api/v1/diagnose", bundle.read_bytes())
    assert status == 201
    page.goto(f"/ui/diagnoses/{report['id']}")
    all_rows = page.locator("tbody tr").count()
    assert all_rows == len(report["findings"])
    page.select_option("select[name=severity]", "warning")
    page.click("input[type=submit]")
    page.wait_for_url("**severity=warning**")
    severities = page.locator("tbody tr td:first-child").all_inner_texts()
    assert severities and set(severities) == {"warning"}
    assert len(severities) == sum(1 for f in report["findings"] if f["severity"] == "warning")
    shoot(page, "diagnosis")


def test_a_bundle_uploaded_from_the_page_is_diagnosed(page: Any, server: Server, tmp_path: Path) -> None:
    from medic.cli import demo_bundle_path
    from medic.evidence.bundle import read_bundle, write_bundle

    bundle = tmp_path / "demo.tar.gz"
    write_bundle(read_bundle(demo_bundle_path()), bundle)
    (tmp_path / "not-a-bundle.tar.gz").write_bytes(b"plain text, not a bundle")
    sign_in(page)
    page.goto("/ui/diagnoses")
    page.set_input_files("input[name=bundle]", str(tmp_path / "not-a-bundle.tar.gz"))
    page.click("input[value=Diagnose]")
    refusal = page.locator("p[role=alert]")  # refused on the page, in one line, and nothing kept
    assert refusal.count() == 1 and refusal.inner_text().strip() and "\n" not in refusal.inner_text()
    before = len(server.call("GET", "/api/v1/diagnoses")[1]["diagnoses"])
    page.set_input_files("input[name=bundle]", str(bundle))
    page.click("input[value=Diagnose]")
    page.wait_for_url("**/ui/diagnoses/*")
    report = server.call("GET", "/api/v1/diagnoses/" + page.url.rsplit("/", 1)[1])[1]
    assert page.locator("tbody tr").count() == len(report["findings"]) > 0
    assert len(server.call("GET", "/api/v1/diagnoses")[1]["diagnoses"]) == before + 1


HOSTILE_RUNBOOK = """# Pods fail <script>window.__pwned = 3; alert(3)</script>

<img src=x onerror="window.__pwned=4;alert(4)"> appears when the cache breaks: CacheBrokenError code 77.

[click for the fix](javascript:alert(5))

## Fix

```sh
echo '<script>alert(6)</script>'
```
"""


def test_hostile_runbook_renders_inert(browser: Any, tmp_path: Path, server: Server) -> None:
    """A runbook with script tags, an onerror image and a javascript: link: its entry and search pages show the
    text, run nothing and link nowhere."""
    from tests.serve.helpers import free_port, start

    (tmp_path / "runbooks").mkdir()
    (tmp_path / "runbooks" / "hostile.md").write_text(HOSTILE_RUNBOOK)
    kb = tmp_path / "kb.db"
    index = [*server.args[: server.args.index("--db")], "--db", str(kb), "index", str(tmp_path / "runbooks")]
    import subprocess

    subprocess.run(index, env=server.env, check=True, capture_output=True)
    port = free_port()
    args = [*server.args]
    args[args.index("--db") + 1] = str(kb)
    args[args.index("--port") + 1] = str(port)
    args[args.index("--state") + 1] = str(tmp_path / "serve.db")
    proc = start(args, server.env, f"http://127.0.0.1:{port}")
    context = browser.new_context(base_url=f"http://127.0.0.1:{port}")
    try:
        pg = context.new_page()
        dialogs: list[str] = []
        pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        pg.goto("/ui/search?q=CacheBrokenError")
        pg.locator("ol li a").first.click()
        pg.wait_for_selector("article h1")
        assert pg.locator("article h1").inner_text().startswith("Pods fail")  # the tags are text or dropped
        assert pg.locator("article script, article img").count() == 0
        assert pg.locator("a[href^='javascript:']").count() == 0
        assert pg.evaluate("window.__pwned === undefined") and dialogs == []
    finally:
        context.close()
        proc.terminate()
        proc.wait(10)


def test_plan_view_and_audit_pages(page: Any, server: Server, seeded_store: Store) -> None:
    """The plan of an entry with its parameters filled in, each step's kind shown; a dry run at a terminal appears
    on the audit page with its events."""
    drain = drain_entry(seeded_store)
    page.goto(f"/ui/entries/{drain}")
    page.click("text=Plan")
    page.fill("input[name=v_node]", "worker-7")
    page.click("button[type=submit]")
    page.wait_for_url("**v_node=worker-7**")
    commands = page.locator("pre").all_inner_texts()
    assert any("kubectl cordon worker-7" in c for c in commands), commands
    assert page.locator(".kind-mutating").count() >= 1 and page.locator(".kind-read-only").count() >= 1
    shoot(page, "plan")
    dry_run(server, seeded_store.path, drain, "worker-7")
    page.goto("/ui/audit")
    row = page.locator("tbody tr").first
    assert "Procedure: drain a node" in row.inner_text() and "dry-run" in row.inner_text()
    row.locator("a").first.click()
    page.wait_for_selector("h1 code")
    assert "run started" in page.locator("tbody").inner_text()
    assert "node=worker-7" in page.locator("main").inner_text()
    shoot(page, "audit")


# In the page: every visible form control with no accessible name, and every text whose colour on its background
# is under WCAG 2's AA contrast (4.5:1; 3:1 for large text: 24 px, or 18.66 px bold).
AUDIT_JS = """() => {
  const named = (el) => el.labels?.length || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby')
    || ['submit', 'button', 'hidden'].includes(el.type) || el.title;
  const unlabelled = [...document.querySelectorAll('input, select, textarea')]
    .filter((el) => el.type !== 'hidden' && !named(el)).map((el) => el.outerHTML.slice(0, 80));
  const rgb = (s) => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92
    : ((v + 0.055) / 1.055) ** 2.4; }).reduce((a, v, i) => a + v * [0.2126, 0.7152, 0.0722][i], 0);
  const background = (el) => { for (; el; el = el.parentElement) { const c = rgb(getComputedStyle(el).backgroundColor);
    if (c.length < 4 || c[3] > 0) return c.slice(0, 3); } return [255, 255, 255]; };
  const low = [];
  for (const el of document.querySelectorAll('body *')) {
    if (![...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim())) continue;
    const st = getComputedStyle(el);
    if (st.visibility === 'hidden' || st.display === 'none') continue;
    const a = lum(rgb(st.color)), b = lum(background(el));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const size = parseFloat(st.fontSize), large = size >= 24 || (size >= 18.66 && Number(st.fontWeight) >= 700);
    const text = el.textContent.trim().slice(0, 40);
    if (ratio < (large ? 3 : 4.5)) low.push(`${el.tagName}.${el.className} ${ratio.toFixed(2)}: ${text}`);
  }
  return {lang: document.documentElement.lang, unlabelled, low};
}"""


# elements that reach past the right edge of the screen (a phone must scroll down, never sideways)
WIDE_JS = """() => [...document.querySelectorAll('body *')]
  .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1
    && !el.closest('pre, .table-scroll'))
  .map((el) => `${el.tagName}.${el.className}: ${el.textContent.trim().slice(0, 40)}`)"""


def test_pages_are_labelled_and_readable(page: Any, server: Server, seeded_store: Store) -> None:
    """Every page: a language, a name for each form control, text contrast at WCAG AA; the same on a phone."""
    incident = alert(server, "a11y0000a11y0000")
    drain = drain_entry(seeded_store)
    pages = [
        "/ui/login",
        "/ui/incidents",
        f"/ui/incidents/{incident}",
        "/ui/triage",
        "/ui/search?q=etcd",
        f"/ui/entries/{drain}",
        f"/ui/entries/{drain}/plan",
        "/ui/diagnoses",
        "/ui/audit",
    ]
    sign_in(page)
    for width in (1400, 390):
        page.set_viewport_size({"width": width, "height": 900})
        for path in pages:
            page.goto(path)
            found = page.evaluate(AUDIT_JS)
            assert found["lang"], path
            assert found["unlabelled"] == [], (path, found["unlabelled"])
            assert found["low"] == [], (path, width, found["low"])
            # nothing is wider than the screen: a phone scrolls down, never sideways
            wide = page.evaluate(WIDE_JS)
            assert wide == [], (path, width, wide)
