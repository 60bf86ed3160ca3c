"""Typed parameters: kinds from names and from where a placeholder sits; every kind accepts and refuses."""

from __future__ import annotations

import pytest

from medic.act.kinds import ParamKind, kinds_from_name, validate
from medic.act.params import Parameter, parse_assignments, sites, validate_parameter
from medic.errors import InputError

K = ParamKind


@pytest.mark.parametrize(
    ("name", "kinds"),
    [
        ("namespace", {K.NAMESPACE}),
        ("cni-namespace", {K.NAMESPACE}),
        ("pod", {K.K8S_NAME}),
        ("grafana-pod", {K.K8S_NAME}),
        ("pv-name", {K.K8S_NAME}),
        ("storage-class", {K.K8S_NAME}),
        ("node", {K.NODE}),
        ("failed-node", {K.NODE}),
        ("container-name", {K.CONTAINER}),
        ("host", {K.HOST}),
        ("first-host", {K.HOST}),
        ("member-ip", {K.HOST}),
        ("tools-dir", {K.PATH}),
        ("claim-file", {K.PATH}),
        ("device", {K.PATH}),
        ("port", {K.INTEGER}),
        ("replicas", {K.INTEGER}),
        ("new-size", {K.SIZE}),
        ("timeout", {K.DURATION}),
        ("service", {K.OBJECT}),
        ("unit", {K.OBJECT}),
        ("cluster", {K.TEXT}),
        ("date", {K.TEXT}),
    ],
)
def test_kinds_from_name(name: str, kinds: set[ParamKind]) -> None:
    assert kinds_from_name(name, secret=False) == kinds


def test_secret_names_are_secret_whatever_else_they_are() -> None:
    assert kinds_from_name("storage-key", secret=True) == {K.SECRET}
    assert kinds_from_name("key-file", secret=True) == {K.SECRET, K.PATH}


@pytest.mark.parametrize(
    ("template", "name", "kinds"),
    [
        ("kubectl get pods -n <x>", "x", {K.NAMESPACE}),
        ("kubectl get pods --namespace=<x>", "x", {K.NAMESPACE}),
        ("kubectl get pod <x> -o yaml", "x", {K.K8S_NAME}),
        ("kubectl describe deploy <x>", "x", {K.K8S_NAME}),
        ("kubectl get nodes <x>", "x", {K.NODE}),
        ("kubectl drain <x> --ignore-daemonsets", "x", {K.NODE}),
        ("kubectl taint nodes <x> key:NoSchedule-", "x", {K.NODE}),
        ("kubectl logs <x> -c app", "x", {K.K8S_NAME}),
        ("kubectl logs web-0 -c <x>", "x", {K.CONTAINER}),
        ("kubectl rollout restart deployment/<x>", "x", {K.K8S_NAME}),
        ("kubectl get pods -A --field-selector spec.nodeName=<x>", "x", {K.NODE}),
        ("sudo timeout 5 kubectl get svc <x>", "x", {K.K8S_NAME}),
        ("ssh -p 22 <x> uptime", "x", {K.HOST}),
        ("ping -c 1 <x>", "x", {K.HOST}),
        ("mysql -h <x> -u root db", "x", {K.HOST}),
        ("cd <x>", "x", {K.PATH}),
        ("kubectl get pod web-0 -o yaml > <x>.yaml", "x", {K.PATH}),
        ("curl -s <x>", "x", {K.URL}),
        ("kubectl get pods -l app=<x>", "x", set()),
        ("printf '%s\\n' <x>", "x", set()),
    ],
)
def test_kinds_from_context(template: str, name: str, kinds: set[ParamKind]) -> None:
    found = dict(sites(template))
    site = found[name]
    assert site is not None and set(site.kinds) == kinds


GOOD = {
    K.K8S_NAME: ["web-0", "pvc-ec37c469-782a-473f-a6f9-0123456789ab", "a.b-c", ".".join(["a" * 63] * 3 + ["b" * 61])],
    K.NAMESPACE: ["shop", "kube-system", "a" * 63, "0ns"],
    K.NODE: ["ip-10-0-128-170.internal", "worker-3", "10.0.0.1"],
    K.CONTAINER: ["app", "load-model", "my_container.1"],
    K.OBJECT: ["ldap", "stack_web", "getty@tty1.service", "registry:5000"],
    K.PATH: ["/var/lib/grafana", "./a b/c", "relative/日本語", "C:x"],
    K.HOST: ["db.example.com", "10.0.0.1", "fe80::1", "[2001:db8::1]", "root@h1", "Node_1"],
    K.URL: ["https://example.com/a?b=c&d", "example.com:8080/x"],
    K.INTEGER: ["0", "8080", "3"],
    K.SIZE: ["512Mi", "2G", "0.5", "100m", "10GB", "1e3"],
    K.DURATION: ["30s", "5m", "1h30m", "10", "500ms"],
    K.SECRET: ["p@ss word with spaces", "a'b\"c$(x)"],
    K.TEXT: ["$(id)", "x; rm -rf /", "日本語 名前", "* ? [a]"],
}
LONG = ".".join(["a" * 63] * 4)  # four full labels: 255 characters, over the 253 of a subdomain
BAD = {
    K.K8S_NAME: ["Web-0", "web_0", "web 0", "web-*", "a" * 254, "web-", "$(id)", "web;id", "wéb", "web\u20100", LONG],
    K.NAMESPACE: ["Shop", "a" * 64, "a.b", "ns;id", "ns ns", "$(id)", "`id`", "${IFS}"],
    K.NODE: ["--selector=kubernetes.io/os=linux", "Node1", "node_1", "n*", "n 1"],
    K.CONTAINER: ["a b", "a;b", "a/b", "$(id)"],
    K.OBJECT: ["a b", "a;b", "a|b", "a/b", "$(id)", "a`b`"],
    K.HOST: ["a b", "a;b", "h/1", "$(id)", "a..b", "http://h"],
    K.URL: ["a b", 'a"b', "a'b", "a`id`", "a\\b", "<a>"],
    K.INTEGER: ["1.5", "8080;id", "x", "1 2", "0x10"],
    K.SIZE: ["512 Mi", "2X", "lots", "1;id"],
    K.DURATION: ["5 m", "forever", "5m;id"],
}


@pytest.mark.parametrize(("kind", "value"), [(k, v) for k, vs in GOOD.items() for v in vs])
def test_every_kind_accepts(kind: ParamKind, value: str) -> None:
    validate("p", value, {kind})


@pytest.mark.parametrize(("kind", "value"), [(k, v) for k, vs in BAD.items() for v in vs])
def test_every_kind_refuses(kind: ParamKind, value: str) -> None:
    with pytest.raises(InputError) as info:
        validate("p", value, {kind})
    assert str(info.value).startswith("--set p=") and "\n" not in str(info.value)


@pytest.mark.parametrize("kind", list(ParamKind))
@pytest.mark.parametrize(
    "value",
    ["a\nb", "a\x00b", "a\rb", "a\x1b[31mb", "a\x7fb", "a\x9bb", "a\u2028b", "a\u2029b", "a\tb", "x" * 4097],
)
def test_no_kind_takes_control_characters_or_huge_values(kind: ParamKind, value: str) -> None:
    with pytest.raises(InputError):
        validate("p", value, {kind})


@pytest.mark.parametrize("dash", ["-", "\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2015", "\u2212", "\uff0d"])
@pytest.mark.parametrize("kind", [K.TEXT, K.PATH, K.SECRET, K.URL])
def test_leading_dashes_and_look_alikes_are_refused(dash: str, kind: ParamKind) -> None:
    with pytest.raises(InputError, match="would be read as an option"):
        validate("p", dash + "-all", {kind})
    validate("p", dash + "-all", {kind}, dash_ok=True)


def test_the_error_names_the_parameter_and_hides_secrets() -> None:
    with pytest.raises(InputError) as info:
        validate("node", "--selector=kubernetes.io/os=linux", {K.NODE})
    assert str(info.value) == (
        "--set node='--selector=kubernetes.io/os=linux': "
        "a node name is an RFC 1123 name (lowercase letters, digits, '-', '.')"
    )
    with pytest.raises(InputError) as info:
        validate("node", "Node_1", {K.NODE})
    rule = "a node name is an RFC 1123 name (lowercase letters, digits, '-', '.')"
    assert str(info.value) == f"--set node='Node_1': {rule}"
    with pytest.raises(InputError) as info:
        validate("db-password", "-hunter2", {K.SECRET}, secret=True)
    assert "hunter2" not in str(info.value) and "<redacted>" in str(info.value)


def _param(template: str, name: str) -> Parameter:
    p = Parameter(name, forms=[f"<{name}>"])
    first = True
    for n, site in sites(template):
        if n == name:
            p.see(site, first)
            first = False
    return p


@pytest.mark.parametrize(
    ("template", "dash_ok"),
    [
        ("grep -F -- <v> file", True),  # the runbook's own end-of-options marker
        ("rm -rf -- <v>", True),
        ("kubectl exec web-0 -- ls -- <v>", True),
        ("printf '%s\\n' --x=<v>", True),  # inside a word: it cannot start an option
        ("printf '%s\\n' pre-<v>", True),
        ("printf '%s\\n' <v>", False),
        ("printf '%s\\n' \"<v>\"", False),  # quotes do not stop a program reading an option
        ("printf '%s\\n' ''<v>", False),
        ("kubectl exec web-0 -- ls <v>", False),  # kubectl's '--' ends kubectl's options, not ls's
        ("grep -F -- <v> file && grep <v> file", False),  # every use must be safe
    ],
)
def test_leading_dash_only_after_double_dash_or_inside_a_word(template: str, dash_ok: bool) -> None:
    p = _param(template, "v")
    assert p.dash_ok is dash_ok
    if dash_ok:
        validate_parameter(p, "-rf")
    else:
        with pytest.raises(InputError, match="would be read as an option"):
            validate_parameter(p, "-rf")


def test_bare_json_values_and_empty_values() -> None:
    p = _param('kubectl patch svc web -p \'[{"op":"replace","value":<v>}]\'', "v")
    assert p.json_bare
    validate_parameter(p, "8080")
    validate_parameter(p, "true")
    with pytest.raises(InputError, match="JSON number"):
        validate_parameter(p, '1,"x":2')
    with pytest.raises(InputError, match="empty"):
        validate_parameter(_param("printf %s <v>", "v"), "  ")


def test_set_refuses_control_characters_before_kinds_are_known() -> None:
    for value in ("a\nb", "a\x00b", "a\x7fb", "a\x85b", "a\u2028b"):
        with pytest.raises(InputError, match="control character"):
            parse_assignments([f"x={value}"])
    assert parse_assignments(["クラスタ名=prod"]) == {"cluster": "prod"}
