"""Checks on objects with fields of the wrong type: no exception escapes a check, the mistyped field reads
as absent, and the other objects are still checked.

The objects come from the demo bundle and from the checks' own positive and negative cases (so every
check's interesting paths are there); one field at a time is replaced by a value of another type."""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from medic.checks.fields import as_int, as_number, dicts, get_dict, get_list
from medic.checks.kube import human_age, quantity
from medic.checks.registry import Check, all_checks
from medic.evidence.bundle import read_bundle
from medic.model import Finding, Snapshot

ROOT = Path(__file__).resolve().parents[2]
CASES = Path(__file__).parent / "cases"
CHECKS = all_checks()

Path_ = tuple[str | int, ...]


def _seeds() -> list[Snapshot]:
    found = [read_bundle(ROOT / "medic" / "samples" / "demo")]
    for path in sorted(CASES.rglob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        for case in data.get("positive", []) + data.get("negative", []):
            found.append(Snapshot.from_dict(case["snapshot"]))
    return found


SEEDS = _seeds()
DEMO = SEEDS[0]


def paths(value: Any, prefix: Path_ = ()) -> Iterator[Path_]:
    """Every path below a value (not the value itself)."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield (*prefix, k)
            yield from paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield (*prefix, i)
            yield from paths(v, (*prefix, i))


def replaced(value: Any, path: Path_, new: Any) -> Any:
    """A copy of ``value`` with the item at ``path`` replaced."""
    out = copy.deepcopy(value)
    cur = out
    for p in path[:-1]:
        cur = cur[p]
    cur[path[-1]] = new
    return out


def run_all(snap: Snapshot, checks: list[Check] = CHECKS) -> list[Finding]:
    """Every check, straight (not through ``run_checks``, whose safety net would hide an exception)."""
    found: list[Finding] = []
    for c in checks:
        snap.cache.clear()
        found.extend(c.finding(h) for h in c.run(snap))
    return found


WRONG: list[Any] = ["x", -7, 1e300, True, [], {"x": 1}]
# values no field of a Kubernetes object should hold: wrong types, numbers past float/int conversions,
# strings that look like ages, quantities, times and ratios but overflow them
HOSTILE = st.one_of(
    st.sampled_from(
        [
            None,
            "",
            "800000d",
            "99999999999Gi",
            "1e400",
            "9" * 5000,
            "2026-13-45T99:99:99Z",
            "0/999999999",
            10**30,
            10**400,
            -(10**20),
            float("nan"),
            float("inf"),
            [None],
            [[1]],
            {"": None},
        ]
    ),
    st.integers(),
    st.floats(),
    st.booleans(),
    st.text(max_size=12),
    st.lists(st.integers() | st.text(max_size=4), max_size=3),
    st.dictionaries(st.text(max_size=4), st.integers() | st.none(), max_size=3),
)


@pytest.mark.parametrize(
    "kind,index", [(k, i) for k, items in sorted(DEMO.objects.items()) for i in range(len(items))], ids=str
)
def test_every_field_of_every_demo_object_mistyped(kind: str, index: int) -> None:
    """Exhaustive over the demo bundle: each field of each object, each of six wrong types in turn."""
    original = DEMO.objects[kind][index]
    for path in paths(original):
        for value in WRONG:
            objects = dict(DEMO.objects)
            objects[kind] = [*DEMO.objects[kind]]
            objects[kind][index] = replaced(original, path, value)
            run_all(Snapshot(objects=objects, logs=DEMO.logs, host=DEMO.host, meta=DEMO.meta))


@settings(max_examples=400, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_random_seed_objects_with_a_random_field_mistyped(data: st.DataObject) -> None:
    seed = data.draw(st.sampled_from(SEEDS), label="seed")
    groups = [("objects", k) for k, v in seed.objects.items() if v] + [("host", k) for k, v in seed.host.items() if v]
    where = data.draw(st.sampled_from(groups or [("meta", "")]), label="group")
    snap = Snapshot(
        objects=dict(seed.objects), logs=dict(seed.logs), host=dict(seed.host), meta=copy.deepcopy(seed.meta)
    )
    if where[0] == "meta":
        options = list(paths(snap.meta))
        if options:
            path = data.draw(st.sampled_from(options), label="path")
            snap.meta = replaced(snap.meta, path, data.draw(HOSTILE, label="value"))
    else:
        table = snap.objects if where[0] == "objects" else snap.host
        items = [*table[where[1]]]
        index = data.draw(st.integers(0, len(items) - 1), label="index")
        options = list(paths(items[index]))
        if options:
            for _ in range(data.draw(st.integers(1, 3), label="fields")):
                path = data.draw(st.sampled_from(options), label="path")
                try:
                    items[index] = replaced(items[index], path, data.draw(HOSTILE, label="value"))
                except (KeyError, IndexError, TypeError):
                    continue  # an earlier replacement removed this path
        else:
            items[index] = data.draw(HOSTILE, label="object")
        table[where[1]] = items
    run_all(snap)


def _crashlooping(name: str) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "namespace": "shop"},
        "spec": {"containers": [{"name": "api"}]},
        "status": {
            "phase": "Running",
            "containerStatuses": [
                {
                    "name": "api",
                    "ready": False,
                    "restartCount": 9,
                    "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                    "lastState": {"terminated": {"reason": "Error", "exitCode": 1}},
                }
            ],
        },
    }


# case → (where, field, value, the name POD101 reports the bad pod under; None: not reported)
MISTYPED_PODS: dict[str, tuple[str, str | None, Any, str | None]] = {
    "containerStatuses a string": ("status", "containerStatuses", "x", None),
    "containerStatuses an int": ("status", "containerStatuses", 3, None),
    "containerStatuses a float": ("status", "containerStatuses", 2.5, None),
    "a container status a string": ("status", "containerStatuses", ["api"], None),
    "status a list": ("status", None, [{"phase": "Running"}], None),
    "waiting a list": ("status", "containerStatuses", [{"state": {"waiting": ["CrashLoopBackOff"]}}], None),
    "metadata a list": ("metadata", None, ["web-0"], ""),
    "spec.containers null": ("spec", "containers", None, "bad-0"),
    "status.conditions a dict": ("status", "conditions", {"type": "Ready", "status": "False"}, "bad-0"),
    "labels not strings": ("metadata", "labels", {1: None, "app": ["x"]}, "bad-0"),
    "creationTimestamp not a time": ("metadata", "creationTimestamp", "yesterday", "bad-0"),
}


@pytest.mark.parametrize("case", sorted(MISTYPED_PODS))
def test_a_mistyped_pod_does_not_hide_the_others(case: str) -> None:
    outer, inner, value, reported_as = MISTYPED_PODS[case]
    bad = _crashlooping("bad-0")
    if inner is None:
        bad[outer] = value
    else:
        bad[outer][inner] = value
    snap = Snapshot(objects={"pods": [bad, _crashlooping("good-0")]}, meta={"collected_at": "2026-11-20T03:00:00Z"})
    pod101 = [c for c in CHECKS if c.code == "POD101"]
    found = sorted(f.object.name for f in run_all(snap, pod101))
    assert found == sorted(["good-0"] + ([] if reported_as is None else [reported_as]))
    run_all(snap)  # and no other check raises on it


def test_a_billion_replicas_cost_bounded_work() -> None:
    sts = {
        "metadata": {"name": "db", "namespace": "shop"},
        "spec": {
            "replicas": 10**9,
            "volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": {"storageClassName": "gone"}}],
        },
        "status": {"readyReplicas": 0},
    }
    snap = Snapshot(objects={"statefulsets": [sts], "pods": [], "storageclasses": [], "persistentvolumeclaims": []})
    started = time.monotonic()
    codes = {f.code for f in run_all(snap)}
    assert time.monotonic() - started < 5
    assert codes == {"WKL503", "WKL505"}  # not ready; its template names a StorageClass that does not exist


def test_lease_duration_of_the_wrong_type_reads_as_the_default() -> None:
    lease = {
        "metadata": {"name": "kube-scheduler", "namespace": "kube-system"},
        "spec": {"holderIdentity": "cp-1", "renewTime": "2026-11-20T02:00:00Z", "leaseDurationSeconds": "800000d"},
    }
    snap = Snapshot(objects={"leases": [lease]}, meta={"collected_at": "2026-11-20T03:00:00Z"})
    assert [(f.code, f.object.name) for f in run_all(snap, [c for c in CHECKS if c.code == "CP355"])] == [
        ("CP355", "kube-scheduler")
    ]


def test_field_helpers() -> None:
    obj = {"a": {"b": [1, {"c": 2}, "x"]}, "s": "text", "n": None}
    assert get_dict(obj, "a") == {"b": [1, {"c": 2}, "x"]}
    assert get_dict(obj, "s") == {} and get_dict(obj, "a", "b") == {}
    assert get_list(obj, "a", "b") == [1, {"c": 2}, "x"] and get_list(obj, "s") == [] and get_list(obj, "n") == []
    assert list(dicts(get_list(obj, "a", "b"))) == [{"c": 2}] and list(dicts("abc")) == []
    assert as_int(5) == 5 and as_int(True) == 0 and as_int("5") == 0 and as_int(10**12, 1, high=10**9) == 1
    assert as_number("15") == 15.0 and as_number(10**400) is None and as_number(float("nan"), 2.0) == 2.0
    assert as_number("800000d") is None and as_number(False) is None and as_number(3) == 3.0
    assert quantity(10**400) is None and quantity("1e400") is None and quantity("2Gi") == 2 * 2**30
    assert human_age(float("inf")) == "?" and human_age(float("nan")) == "?" and human_age(90) == "90s"
