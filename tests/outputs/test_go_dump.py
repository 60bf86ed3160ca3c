"""Go ``%v`` / ``%+v`` dumps of Kubernetes values (``go-dump``): a ``-o go-template`` printing a map, a struct
a tool logged. Real text: the Kubernetes docs' go-template example (SOURCES-kube.md) and a pod status
printed with ``%+v`` in d2iq-archive/kubernetes-mesos#735."""

from __future__ import annotations

from pathlib import Path

from medic.checks.registry import all_checks, run_checks
from medic.evidence.outputs.go_dump import read_values, template_of
from medic.evidence.outputs.registry import parse_text

DATA = Path(__file__).resolve().parents[1] / "data" / "outputs" / "go-dump"
# kubernetes-mesos#735: the head of a pod's status as the scheduler logged it (its line wrap joined, the
# dump cut after PodIP and closed)
MESOS_STATUS = (
    "{Phase:Running Conditions:[{Type:Ready Status:True LastProbeTime:0001-01-01 00:00:00 +0000 UTC "
    "LastTransitionTime:2016-01-15 00:32:28 +0000 UTC Reason: Message:}] Message: Reason: "
    "HostIP:172.17.0.10 PodIP:172.17.2.33}"
)


def test_go_template_last_state_becomes_the_containers_last_state() -> None:
    text = (DATA / "k8s-docs-go-template-laststate.txt").read_text(encoding="utf-8")
    snap = parse_text(text).snapshot()
    (pod,) = snap.objects["pods"]
    assert pod["metadata"]["name"] == "simmemleak-60xbc"
    (cs,) = pod["status"]["containerStatuses"]
    assert cs["name"] == "simmemleak" and cs["lastState"]["terminated"]["exitCode"] == 137
    findings = run_checks(snap, all_checks())
    assert [(f.code, str(f.object), f.message) for f in findings] == [
        ("POD102", "Pod/simmemleak-60xbc", "container simmemleak was OOMKilled (exit code 137)")
    ]


def test_template_fields() -> None:
    command = (DATA / "k8s-docs-go-template-laststate.txt").read_text(encoding="utf-8").splitlines()[0]
    assert template_of(command.split("$ ", 1)[1]) == ("status.containerStatuses", ["name", "lastState"])
    assert template_of("kubectl get pod web --template '{{.status.initContainerStatuses}}'") == (
        "",
        ["status.initContainerStatuses"],
    )
    assert template_of("kubectl get pod web -o yaml") is None


def test_struct_values_with_spaces_and_empty_fields() -> None:
    (value,) = read_values("status " + MESOS_STATUS)
    assert value == {
        "phase": "Running",
        "conditions": [
            {
                "type": "Ready",
                "status": "True",
                "lastProbeTime": "0001-01-01 00:00:00 +0000 UTC",
                "lastTransitionTime": "2016-01-15 00:32:28 +0000 UTC",
                "reason": "",
                "message": "",
            }
        ],
        "message": "",
        "reason": "",
        "hostIP": "172.17.0.10",
        "podIP": "172.17.2.33",
    }


def test_a_status_struct_is_the_status_of_the_kind_its_fields_say() -> None:
    snap = parse_text(MESOS_STATUS).snapshot()
    (pod,) = snap.objects["pods"]
    assert pod["status"]["phase"] == "Running" and pod["status"]["podIP"] == "172.17.2.33"
    assert run_checks(snap, all_checks()) == []


def test_text_that_only_looks_like_a_dump_is_plain() -> None:
    assert read_values("see map[ for details") == []
    assert parse_text("a {Broken:map[ line\n").blocks == []
