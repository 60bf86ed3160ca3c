"""Mechanisms of signature mining that real runbooks exercise: every signature matches the line it came from,
escaped line breaks, messages that only a heading quotes, and a page's lead text."""

from __future__ import annotations

import re
from pathlib import Path

from medic.knowledge.ingest import entries_for
from medic.knowledge.reader import read_runbook
from medic.knowledge.signatures import FRAGMENT, mine, template_of
from medic.model import CodeBlock, CodeKind, Entry
from tests.conftest import CORPUS, SEEDS, need_shared


def entry_with(log: str, title: str = "t", body: str = "") -> Entry:
    return Entry(
        id="e1",
        source="s",
        title=title,
        anchor="",
        heading_path=[title],
        level=1,
        line_start=1,
        line_end=9,
        lang="en",
        body=body,
        code_blocks=[CodeBlock(text=log, kind=CodeKind.OUTPUT, lang="log", line=3)] if log else [],
    )


def runbook_paths() -> list[Path]:
    return sorted(SEEDS.glob("*.txt")) + sorted(CORPUS.rglob("*.md")) + sorted(CORPUS.rglob("*.rst"))


def test_fragments_split_at_quoted_values_and_match_their_own_line() -> None:
    line = 'error: unable to drain node "ip-10-0-1-2.internal", aborting command...'
    sigs = mine(entry_with(line))
    frags = [s for s in sigs if s.kind == FRAGMENT]
    assert {s.template for s in frags} == {"error: unable to drain node"}
    for s in sigs:
        assert re.search(s.regex, s.line), s.template
    # the fragment matches the message pasted with another node name and without the suffix
    assert re.search(frags[0].regex, 'error: unable to drain node "worker-3"')


def test_every_signature_of_the_seeds_and_corpus_matches_its_own_line() -> None:
    need_shared(SEEDS)
    need_shared(CORPUS, "public corpus")
    failed: list[str] = []
    total = 0
    for path in runbook_paths():
        rb = read_runbook(path)
        for entry in entries_for(rb.text, rb.fmt, str(path), path.stem):
            for sig in mine(entry):
                total += 1
                # a runbook placeholder written with spaces ("{$Namespace 이름}") stands for one word
                if not re.search(sig.regex, sig.line) and not re.search(r"\{\$[^}]*\s[^}]*\}", sig.line):
                    failed.append(f"{path.name}: {sig.template}")
    assert total > 300
    assert failed == []


def test_timestamps_with_a_space_are_one_wildcard() -> None:
    line = "2018-01-21 21:52:35.370533 I | exec: 2018-01-21 21:52:35.071462 monclient(hunting): authenticate timed out"
    _, regex = template_of(line)
    assert re.search(regex, line)
    other = "2019-02-02 01:02:03.1 I | exec: 2019-02-02 01:02:03.2 monclient(hunting): authenticate timed out"
    assert re.search(regex, other)


def test_escaped_line_breaks_split_a_printed_line() -> None:
    # Ansible prints the ssh error as one JSON string with \r\n escapes between the messages
    line = (
        r'"msg": "Received disconnect from 10.0.0.7 port 22:2: Too many authentication failures\r\n'
        r'Disconnected from 10.0.0.7 port 22"'
    )
    sigs = mine(entry_with(line))
    assert any("Too many authentication failures" in s.template for s in sigs)
    assert all("\\r" not in s.template and "\\n" not in s.template for s in sigs)
    pasted = (
        "fatal: [kube1]: UNREACHABLE! => Received disconnect from 192.168.7.2 port 22:2: "
        "Too many authentication failures"
    )
    assert any(re.search(s.regex, pasted) for s in sigs)
    # the same message with real line breaks matches too
    assert any(re.search(s.regex, "Too many authentication failures\nDisconnected from x") for s in sigs)


def test_a_message_quoted_only_in_a_heading_is_a_signature() -> None:
    entry = entry_with("", title='What does "mvcc: database space exceeded" mean and how do I fix it?', body="Compact.")
    templates = {s.template for s in mine(entry)}
    assert "mvcc: database space exceeded" in templates
    plain = entry_with("", title="Too many authentication failures", body="Reset the agent.")
    assert {s.template for s in mine(plain)} == {"Too many authentication failures"}
    calm = entry_with("", title="Upgrading the cluster", body="Run the upgrade.")
    assert mine(calm) == []


def test_front_matter_title_and_lead_text_are_an_entry() -> None:
    text = (
        "---\ntitle: Debug a stuck volume attachment\nweight: 20\n---\n\n"
        "This page explains what to do when a volume stays attached to a node that is gone and the new pod "
        "waits with Multi-Attach errors.\n\n## Check the attachment\n\nRun the command.\n"
    )
    entries = entries_for(text, "markdown", "doc.md", "doc")
    lead = entries[0]
    assert lead.title == "Debug a stuck volume attachment"
    assert "Multi-Attach" in lead.body
    assert lead.line_start < entries[1].line_start
    assert [e.title for e in entries[1:]] == ["Check the attachment"]
    # a page whose text starts with its heading has no lead entry; a one-word lead is not one either
    assert [e.title for e in entries_for("# A\n\nbody text here\n", "markdown", "a.md", "a")] == ["A"]
    assert [e.title for e in entries_for("Draft\n\n# A\n\nbody\n", "markdown", "a.md", "a")] == ["A"]


def test_lead_entry_never_changes_the_ids_of_sections() -> None:
    lead = "A long enough lead paragraph about the page and its problem.\n\n"
    with_lead = entries_for(lead + "# Same\n\nx\n", "markdown", "p.md", "Same")
    without = entries_for("# Same\n\nx\n", "markdown", "p.md", "Same")
    assert with_lead[1].id == without[0].id
    assert with_lead[0].id != with_lead[1].id
