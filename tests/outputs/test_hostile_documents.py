"""Hostile JSON and YAML pastes: alias bombs, cycles and deep nesting are refused as the block's error
(never decoded, never a crash); real documents, and YAML with a few anchors, still decode."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from medic.evidence.outputs.ansible import _message
from medic.evidence.outputs.bounded import (
    MAX_ALIASES,
    MAX_DEPTH,
    Refused,
    check_json,
    check_yaml,
    json_depth,
    json_extent,
    json_too_deep,
    loads_json,
)
from medic.evidence.outputs.registry import parse_text

DATA = Path(__file__).resolve().parents[1] / "data" / "outputs" / "kubectl-json"
POD_HEAD = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web-0\n  namespace: shop\n"


def laughs(levels: int = 9, width: int = 9) -> str:
    """A billion-laughs pod: each level's list holds ``width`` aliases of the level before it."""
    lines = [POD_HEAD.rstrip("\n"), "spec:", '  a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    prev = "a"
    for n in "bcdefghijklmnop"[: levels - 1]:
        lines.append(f"  {n}: &{n} [" + ", ".join([f"*{prev}"] * width) + "]")
        prev = n
    return "\n".join(lines) + "\n"


def only_block(text: str) -> dict[str, object]:
    result = parse_text(text)
    assert [b.kind for b in result.blocks] == ["kubectl-json"]
    facts = result.blocks[0].facts
    assert isinstance(facts, dict)
    return facts


def test_billion_laughs_is_refused_quickly_and_small() -> None:
    text = laughs()
    assert len(text) < 900
    started = time.monotonic()
    facts = only_block(text)
    assert facts == {"objects": [], "error": "YAML aliases expand to more than 100,000 nodes; not decoded"}
    assert time.monotonic() - started < 2
    assert parse_text(text).snapshot().objects == {}


def test_too_many_aliases_are_refused_even_when_small() -> None:
    aliases = ", ".join(["*x"] * (MAX_ALIASES + 1))
    text = POD_HEAD + f"spec:\n  x: &x 1\n  y: [{aliases}]\n"
    assert only_block(text)["error"] == f"YAML with more than {MAX_ALIASES} aliases; not decoded"


def test_an_alias_inside_the_node_it_names_is_refused() -> None:
    text = POD_HEAD + "spec: &loop\n  again: *loop\n"
    assert only_block(text)["error"] == "YAML alias *loop inside the node it names (a cycle); not decoded"
    with pytest.raises(Refused, match="a cycle"):
        check_yaml("a: &s [1, *s]\n")


def test_a_few_anchors_still_decode() -> None:
    text = POD_HEAD + "spec:\n  base: &env [{name: A, value: '1'}]\n  containers:\n  - name: app\n    env: *env\n"
    facts = only_block(text)
    objects = facts["objects"]
    assert isinstance(objects, list) and len(objects) == 1
    spec = objects[0]["object"]["spec"]
    assert spec["containers"][0]["env"] == [{"name": "A", "value": "1"}]


@pytest.mark.parametrize("levels", [MAX_DEPTH + 1, 100_000])
def test_deep_yaml_flow_nesting_is_refused(levels: int) -> None:
    text = POD_HEAD + "spec: " + "[" * levels + "]" * levels + "\n"
    assert only_block(text)["error"] == f"YAML nested more than {MAX_DEPTH} levels deep; not decoded"


def test_deep_yaml_block_nesting_is_refused() -> None:
    text = POD_HEAD + "spec:\n" + "".join(f"{' ' * (i + 1)}k{i}:\n" for i in range(MAX_DEPTH + 5)) + "  end: 1\n"
    assert only_block(text)["error"] == f"YAML nested more than {MAX_DEPTH} levels deep; not decoded"


def test_yaml_at_the_depth_limit_decodes() -> None:
    inner = MAX_DEPTH - 2  # the document's mapping and ``spec``'s value hold the rest
    text = POD_HEAD + "spec: " + "[" * inner + "1" + "]" * inner + "\n"
    facts = only_block(text)
    assert "error" not in facts and len(facts["objects"]) == 1  # type: ignore[arg-type]


def test_deep_multiline_json_is_one_refused_block() -> None:
    levels = 100_000
    text = '{\n"kind": "Pod", "metadata": {"name": "x"}, "spec":\n' + "[\n" * levels + "]\n" * levels + "}\nafter\n"
    result = parse_text(text)
    assert [(b.kind, b.start_line) for b in result.blocks] == [("kubectl-json", 1)]
    assert result.blocks[0].facts == {
        "objects": [],
        "error": f"JSON nested {levels + 1} levels deep (more than {MAX_DEPTH}); not decoded",
    }
    assert result.plain[-1] == (2 * levels + 4, "after")


def test_json_depth_ignores_brackets_inside_strings() -> None:
    assert json_depth('{"a": "[[[[{{{{", "b": [1, {"c": "\\"]]]"}]}') == 3
    assert json_depth("[]") == 1
    assert json_depth("plain") == 0
    text = '{"a": ["]"]} tail'
    assert text[: json_extent(text)] == '{"a": ["]"]}'
    assert json_extent("[[[") == 3
    assert json_too_deep("[" * MAX_DEPTH) == 0 and json_too_deep("[" * (MAX_DEPTH + 1)) == MAX_DEPTH + 1
    assert json_too_deep('"' + "[" * 300 + '"') == 0  # openers inside a string are no depth


def test_loads_json_refuses_before_decoding() -> None:
    deep = "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)
    with pytest.raises(Refused, match=f"JSON nested {MAX_DEPTH + 1} levels deep"):
        loads_json(deep)
    with pytest.raises(Refused):
        check_json("[" * 1_000_000)  # unbalanced: still measured, not decoded
    ok = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert loads_json(ok) == json.loads(ok)


def test_a_deep_ansible_result_keeps_its_text() -> None:
    payload = '{"msg": ' + "[" * 5000 + "]" * 5000 + "}"
    assert _message(payload) == payload  # refused as JSON, kept as the text it is
    assert _message('{"msg": "disk full"}') == "disk full"


@pytest.mark.parametrize("name", sorted(p.name for p in DATA.glob("*.txt")))
def test_real_documents_pass_the_checks(name: str) -> None:
    text = (DATA / name).read_text(encoding="utf-8")
    blocks = [b for b in parse_text(text).blocks if b.kind == "kubectl-json"]
    assert blocks and all("error" not in b.facts and b.facts["objects"] for b in blocks)


def test_brace_lines_that_are_no_json_cost_linear_time() -> None:
    # every "{" line may start a JSON block; trying ever longer windows from each one was quadratic
    # (minutes on this paste); an error inside the window now ends the attempt
    text = "{\nx}\n" * 100_000
    started = time.monotonic()
    result = parse_text(text)
    assert time.monotonic() - started < 60
    assert result.blocks == [] and len(result.plain) == 200_000


@pytest.mark.parametrize("line", ["---", "kind: x", "apiVersion: v1"])
def test_a_repeated_start_line_is_not_read_again_from_every_line(line: str) -> None:
    # each line may start a YAML document; the block they make holds no object, and reading it again
    # from each of its lines was quadratic (2,000 lines took over a minute)
    started = time.monotonic()
    result = parse_text(f"{line}\n" * 4000)
    assert time.monotonic() - started < 30
    assert result.blocks == [] and len(result.plain) == 4000


def test_a_good_document_after_a_broken_start_is_still_found() -> None:
    text = "kind: x\n  broken: [\napiVersion: v1\nkind: Pod\nmetadata:\n  name: web-0\n"
    result = parse_text(text)
    assert [(b.kind, b.start_line, b.end_line) for b in result.blocks] == [("kubectl-json", 3, 6)]
    assert result.plain == [(1, "kind: x"), (2, "  broken: [")]


def test_yaml_values_and_keys_stay_json() -> None:
    text = (
        POD_HEAD
        + "  creationTimestamp: 2026-11-20T03:00:00Z\n"
        + "  labels:\n    2024-01-01: day\n    ? !!binary aGVsbG8=\n    : b\n"
        + "spec:\n  s: !!set {a, b}\n  o: !!omap [x: 1]\n  when: 2026-11-20\n"
    )
    facts = only_block(text)
    obj = facts["objects"][0]["object"]  # type: ignore[index]
    assert obj["metadata"]["creationTimestamp"] == "2026-11-20T03:00:00Z"
    assert obj["metadata"]["labels"] == {"2024-01-01": "day", "aGVsbG8=": "b"}
    assert obj["spec"]["when"] == "2026-11-20" and obj["spec"]["s"] == {"a": None, "b": None}
    json.dumps(facts)  # no date, bytes or other non-JSON key or value
