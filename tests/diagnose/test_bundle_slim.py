"""What a bundle reader keeps of each object: the fields checks read, with the parts a template repeats shared."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import orjson

from medic.checks.registry import all_checks, evaluate
from medic.evidence import sharing, slim
from medic.evidence.bundle import read_bundle, write_bundle
from medic.evidence.redact import redact_object_counts
from medic.model import Snapshot

ROOT = Path(__file__).resolve().parents[2]
DROPPED = {
    "CONTAINER_FIELDS_DROPPED": slim.CONTAINER_FIELDS_DROPPED,
    "STATUS_FIELDS_DROPPED": slim.STATUS_FIELDS_DROPPED,
    "POD_SPEC_FIELDS_DROPPED": slim.POD_SPEC_FIELDS_DROPPED,
    "POD_STATUS_FIELDS_DROPPED": slim.POD_STATUS_FIELDS_DROPPED,
    "META_FIELDS_DROPPED": slim.META_FIELDS_DROPPED,
    "NODE_STATUS_FIELDS_DROPPED": slim.NODE_STATUS_FIELDS_DROPPED,
    "VOLUME_SOURCES_EMPTIED": (*slim.VOLUME_SOURCES_EMPTIED, "sources"),
    "null conditions": ("lastProbeTime",),
}


def test_no_check_reads_a_field_the_reader_drops() -> None:
    """Checks read fields by their literal names (``get(obj, "spec", "containers")``): a dropped field named
    in a check would be read as absent, and the check would go silently blind."""
    sources = [*sorted((ROOT / "medic" / "checks").glob("*.py")), ROOT / "medic" / "diagnose.py"]
    text = "\n".join(p.read_text(encoding="utf-8") for p in sources)
    # kube.PAST_TIMES names every timestamp field, but only newest_time reads them, and only for a partial
    # snapshot (a paste: its ages are measured from its newest time); a bundle is complete and never walked
    past_times = re.search(r"PAST_TIMES = frozenset\(.*?\n\)\n", text, re.DOTALL)
    assert past_times is not None
    text = text.replace(past_times.group(0), "")
    read = {
        (group, name)
        for group, names in DROPPED.items()
        for name in names
        if re.search(rf"[\"']{re.escape(name)}[\"']", text)
    }
    assert read == set()


def _pod(name: str, image: str, **extra: Any) -> dict[str, Any]:
    return {
        "metadata": {
            "name": name,
            "namespace": "shop",
            "generateName": "api-7d9f-",
            "resourceVersion": "81",
            "labels": {"app": "api"},
            "ownerReferences": [{"kind": "ReplicaSet", "name": "api-7d9f", "controller": True}],
            "managedFields": [{"manager": "kubelet", "fieldsV1": {"f:status": {}}}],
        },
        "spec": {
            "nodeName": "n1",
            "containers": [
                {
                    "name": "api",
                    "image": image,
                    "args": ["--port=8080"],
                    "resources": {"limits": {"memory": "256Mi"}},
                    "readinessProbe": {"httpGet": {"port": 8080}},
                    "livenessProbe": {"httpGet": {"port": 8080}},
                    "securityContext": {"runAsNonRoot": True},
                    "imagePullPolicy": "Always",
                }
            ],
            "volumes": [
                {"name": "tmp", "emptyDir": {}},
                {"name": "token", "projected": {"sources": [{"serviceAccountToken": {"path": "token"}}]}},
            ],
            "affinity": {"podAntiAffinity": {}},
            "tolerations": [{"key": "dedicated", "operator": "Exists"}],
            "dnsPolicy": "ClusterFirst",
        },
        "status": {
            "phase": "Running",
            "podIPs": [{"ip": "10.0.0.1"}],
            "containerStatuses": [{"name": "api", "imageID": "x@sha256:1", "restartCount": 0, "ready": True}],
            **extra,
        },
    }


def test_a_pod_keeps_what_checks_read(tmp_path: Path) -> None:
    write_bundle(Snapshot(objects={"pods": [_pod("api-7d9f-abcde", "api:1")]}), tmp_path / "b.tar.gz")
    pod = read_bundle(tmp_path / "b.tar.gz").objects["pods"][0]
    assert pod == {
        "metadata": {
            "name": "api-7d9f-abcde",
            "namespace": "shop",
            "labels": {"app": "api"},
            "ownerReferences": [{"kind": "ReplicaSet", "name": "api-7d9f", "controller": True}],
        },
        "spec": {
            "nodeName": "n1",
            "containers": [
                {
                    "name": "api",
                    "image": "api:1",
                    "resources": {"limits": {"memory": "256Mi"}},
                    "readinessProbe": {"httpGet": {"port": 8080}},
                }
            ],
            "volumes": [{"name": "tmp", "emptyDir": {}}, {"name": "token", "projected": {}}],
            "tolerations": [{"key": "dedicated", "operator": "Exists"}],
        },
        "status": {"phase": "Running", "containerStatuses": [{"name": "api", "restartCount": 0, "ready": True}]},
    }


def test_a_node_keeps_its_conditions_not_its_image_list(tmp_path: Path) -> None:
    node = {
        "metadata": {"name": "n1"},
        "status": {
            "conditions": [{"type": "Ready", "status": "True"}],
            "nodeInfo": {"kubeletVersion": "v1.29.9"},
            "images": [{"names": ["nginx:1"], "sizeBytes": 1}],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
        },
    }
    write_bundle(Snapshot(objects={"nodes": [node]}), tmp_path / "b.tar.gz")
    assert read_bundle(tmp_path / "b.tar.gz").objects["nodes"][0] == {
        "metadata": {"name": "n1"},
        "status": {"conditions": [{"type": "Ready", "status": "True"}], "nodeInfo": {"kubeletVersion": "v1.29.9"}},
    }


def test_pods_of_one_template_share_its_parts_and_others_do_not(tmp_path: Path) -> None:
    pods = [_pod("api-7d9f-abcde", "api:1"), _pod("api-7d9f-fghjk", "api:1"), _pod("api-7d9f-lmnpq", "api:2")]
    write_bundle(Snapshot(objects={"pods": pods}), tmp_path / "b.tar.gz")
    a, b, c = read_bundle(tmp_path / "b.tar.gz").objects["pods"]
    assert a["spec"]["containers"] is b["spec"]["containers"]
    assert a["metadata"]["labels"] is b["metadata"]["labels"] is c["metadata"]["labels"]
    assert c["spec"]["containers"] is not a["spec"]["containers"]
    assert c["spec"]["containers"][0]["image"] == "api:2" and a["spec"]["containers"][0]["image"] == "api:1"
    assert a["metadata"]["name"] != b["metadata"]["name"]
    assert a["spec"]["volumes"] is not b["spec"]["volumes"]  # each pod's own list, of shared items
    assert a["spec"]["volumes"][0] is b["spec"]["volumes"][0] is c["spec"]["volumes"][0]


def test_the_sharing_table_is_bounded() -> None:
    shared = sharing.Shared(limit=2)
    parents = [{"labels": {"n": str(i)}} for i in range(5)]
    for p in parents:
        shared.share(p, ("labels",))
    assert len(shared.seen) <= 2
    again = {"labels": {"n": "4"}}
    shared.share(again, ("labels",))
    assert again["labels"] is parents[4]["labels"]


def _findings(snap: Snapshot) -> list[tuple[Any, ...]]:
    run = evaluate(snap, all_checks())
    return sorted((f.code, str(f.object), f.message, tuple(f.evidence)) for f in run.findings)


def test_the_demo_bundle_gives_the_same_findings_read_whole_or_slim() -> None:
    """Every object of the demo bundle read whole (only redacted, as the reader does) and read slim: the
    checks find the same things in both."""
    demo = ROOT / "medic" / "samples" / "demo"
    whole = Snapshot(meta=orjson.loads((demo / "manifest.json").read_bytes()))
    for path in sorted((demo / "objects").glob("*.jsonl")):
        kind = path.stem
        items = [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]
        for obj in items:
            redact_object_counts(kind, obj, deep=True)
        whole.objects[kind] = items
    slim = read_bundle(demo)
    whole.logs = slim.logs
    assert _findings(whole) == _findings(slim)
    assert _findings(slim)  # the demo cluster is broken in many ways: the comparison compares something


def test_the_api_field_lists_are_the_kubernetes_clients() -> None:
    """Pods and nodes are decoded into the API's fields less the dropped ones: a field the API gained and
    these lists lack would be dropped unseen (update them when the client is upgraded)."""
    from kubernetes import client

    models = {
        slim.API_OBJECT: (client.V1Pod, client.V1Node),
        slim.API_META: (client.V1ObjectMeta,),
        slim.API_POD_SPEC: (client.V1PodSpec,),
        slim.API_CONTAINER: (client.V1Container, client.V1EphemeralContainer),
        slim.API_VOLUME: (client.V1Volume,),
        slim.API_POD_STATUS: (client.V1PodStatus,),
        slim.API_CONTAINER_STATUS: (client.V1ContainerStatus,),
        slim.API_NODE_STATUS: (client.V1NodeStatus,),
    }
    for fields, classes in models.items():
        assert set(fields) == {name for cls in classes for name in cls.attribute_map.values()}
        assert len(fields) == len(set(fields))
    for level, dropped in [
        ("metadata", slim.META_FIELDS_DROPPED),
        ("pod spec", slim.POD_SPEC_FIELDS_DROPPED),
        ("container", slim.CONTAINER_FIELDS_DROPPED),
        ("pod status", slim.POD_STATUS_FIELDS_DROPPED),
        ("container status", slim.STATUS_FIELDS_DROPPED),
        ("node status", slim.NODE_STATUS_FIELDS_DROPPED),
    ]:
        assert not set(slim.KEPT[level]) & set(dropped)


def test_the_template_parts_are_the_declared_ones() -> None:
    meta = {k: f"m-{k}" for k in sharing.POD_SHARED_META}
    spec = {k: f"s-{k}" for k in sharing.POD_SHARED_SPEC}
    assert sharing._parts(meta, spec) == (*meta.values(), *spec.values())


# strings the redaction prefilter looks for, and strings that only look like them
_TRIGGERS = [
    "Bearer abcdefghijkl",
    "password=hunter2",
    "token",
    "-u",
    "--user",
    "user:pw",
    "eyJhbGciOiJIUzI1NiJ9",
    "https://u:p@host",
    "auth x",
    "private key",
    "mysql",
    "tls.key",
    "secret",
    "pin",
    "session id",
    "apikey",
    "AKIAABCDEFGHIJKLMNOP",
    "ghp_x",
    "sig",
    "user",
    "-U",
    "bearer",
    "Basic dXNlcjpw",
]
_PLAIN = ["name", "plain", "kube-api-access", "ready", "", "app", "web-1", "ns/x", "a b", "10", "value:x", "'q'"]


def _prefilter_pod(rng: Any) -> dict[str, Any]:
    def word() -> str:
        return rng.choice(_TRIGGERS) if rng.random() < 0.03 else rng.choice(_PLAIN)

    def value() -> Any:
        return rng.choice([word(), [word(), word()], {word(): word()}, rng.randint(0, 9), None])

    pod = _pod(f"api-{word()}", word())
    meta, spec = pod["metadata"], pod["spec"]
    spec["volumes"] = [{"name": word(), "emptyDir": {}}]
    meta["labels"] = {word(): word() for _ in range(rng.randint(0, 3))}
    meta["annotations"] = {word(): value() for _ in range(rng.randint(0, 3))}
    if rng.random() < 0.5:
        meta["ownerReferences"] = [{"kind": "ReplicaSet", "name": word()}]
    spec["containers"][0]["command"] = [word() for _ in range(rng.randint(0, 3))]
    spec["containers"][0][word() or "x"] = value()
    if rng.random() < 0.5:
        spec["initContainers"] = [{"name": word(), "args": [word(), word()]}]
    spec["tolerations"] = [{"key": word(), "value": word()}] if rng.random() < 0.7 else []
    if rng.random() < 0.5:
        spec["nodeSelector"] = {word(): word()}
    spec[word() or "y"] = value()
    pod["status"]["message"] = word()
    pod["status"][word() or "z"] = value()
    return pod


def test_the_prefilter_of_a_pod_is_that_of_its_parts_and_of_the_rest() -> None:
    """A template's parts are looked at once for every pod of the template: what the redaction prefilter
    finds in a pod's JSON, it finds in its parts' JSON or in the pod's JSON with them emptied, and only then."""
    import random

    from medic.evidence.redact import may_hold_secrets

    rng = random.Random(13)
    seen = {True: 0, False: 0}
    for _ in range(3000):
        pod = _prefilter_pod(rng)
        whole = may_hold_secrets(orjson.dumps(pod))
        before = orjson.dumps(pod)
        meta, spec = pod["metadata"], pod["spec"]
        apart = may_hold_secrets(orjson.dumps(sharing._parts(meta, spec))) or may_hold_secrets(
            sharing._json_around(pod, meta, spec)
        )
        assert apart == whole, orjson.dumps(pod)
        assert b'"containers":[]' in sharing._json_around(pod, meta, spec)  # the rest alone is looked at
        assert orjson.dumps(pod) == before  # the parts are put back
        seen[whole] += 1
    assert min(seen.values()) > 300  # both answers are tested


def test_redacting_the_rest_of_a_pod_that_passes_the_prefilter_changes_nothing() -> None:
    """The reader redacts a pod that passes no prefilter by its template's parts alone (sharing.redacted_pod):
    with the parts emptied, the rules that apply without the prefilter find nothing in the rest, whatever it
    holds (were a rule to read another field, this fails and the reader must redact the rest again)."""
    import random

    rng = random.Random(29)
    for _ in range(500):
        pod = _prefilter_pod(rng)
        pod["status"]["containerStatuses"] = [{"name": "c", "state": {"waiting": {"message": "password=hunter2"}}}]
        pod["spec"]["volumes"].append({"name": "creds", "secret": {"secretName": "db-password"}})
        pod, fitted = slim.decode("pods", orjson.dumps(pod))  # as the reader has it
        assert fitted
        meta, spec = pod["metadata"], pod["spec"]
        for d, keys in ((meta, sharing.POD_SHARED_META), (spec, sharing.POD_SHARED_SPEC)):
            for k in keys:
                if isinstance(d.get(k), dict | list):
                    d[k] = type(d[k])()
        before = orjson.dumps(pod)
        assert not redact_object_counts("pods", pod, deep=False)
        assert orjson.dumps(pod) == before
