"""Placeholders → named parameters; values are always one literal shell word."""

from __future__ import annotations

import subprocess

import pytest

from medic.act.params import canonical, find_placeholders, parse_assignments, render
from medic.errors import InputError


def names(text: str) -> list[str]:
    return [p.name for p in find_placeholders(text)]


def test_forms_and_names() -> None:
    assert names("kubectl scale sts -n <namespace name> vantiq --replicas=0") == ["namespace"]
    assert names("kubectl describe pod {$PodName} -n {$PodNamespace}") == ["pod", "namespace"]
    assert names("kubectl scale sts -n xxxx vantiq") == ["namespace"]
    assert names("./gradlew -Pcluster=<クラスタ名> deployVantiq") == ["cluster"]
    assert names("./gradlew -Pcluster=<cluster name> deployVantiq") == ["cluster"]
    assert names("hive-backup.sh -l サービス名") == ["service"]
    assert names("sudo drbdadm primary --force ボリューム名") == ["volume"]
    assert names("hive ssh -t ホスト名") == ["host"]
    assert names("hive ssh -t １号機") == ["first-host"]
    assert names("bucket: <bucket名>") == ["bucket"]
    assert names("kubectl patch pv pvc-ec37c469-782a-473f-a6f9-aaaaaaaaaaaa -p x") == ["pv"]
    assert names("kubectl cp -n shared grafana-yyyyyyyyy-bbbbbb:/var/lib/grafana/grafana.db .") == ["grafana-pod"]
    assert names("kubectl -n kube-system get pods") == []
    assert names("sqlite3 grafana.db .dump > grafana.sql") == []
    assert names("cat a < b > c 2>&1") == []


def test_canonical_and_assignments() -> None:
    assert canonical("<Namespace Name>".strip("<>")) == "namespace"
    assert canonical("StorageClassName") == "storageclass"
    assert parse_assignments(["namespace=shop", "クラスタ名=prod", "<pv-name>=pv-1"]) == {
        "namespace": "shop",
        "cluster": "prod",
        "pv-name": "pv-1",
    }
    with pytest.raises(InputError):
        parse_assignments(["novalue"])
    with pytest.raises(InputError):
        parse_assignments(["x=a\nb"])


HOSTILE = ["x; rm -rf /", "$(id)", "`id`", "a'b\"c", "$HOME", "* ?", "-n --all", "x\\", "日本語 名前"]


@pytest.mark.parametrize("value", HOSTILE)
@pytest.mark.parametrize(
    "template",
    [
        "printf '%s\\n' <value>",  # unquoted
        "printf '%s\\n' \"<value>\"",  # inside double quotes
        "printf '%s\\n' '<value>'",  # inside single quotes
        "printf '%s\\n' pre-<value>-post",  # part of a word
    ],
)
def test_rendered_value_is_one_literal_word(template: str, value: str) -> None:
    text, missing = render(template, {"value": value})
    assert not missing
    out = subprocess.run(["/bin/sh", "-c", text], capture_output=True, text=True, check=True).stdout
    expected = f"pre-{value}-post" if "pre-" in template else value
    assert out == expected + "\n"


def test_missing_values_stay_as_written() -> None:
    text, missing = render("kubectl drain <node> -n xxx", {})
    assert text == "kubectl drain <node> -n xxx"
    assert missing == ["node", "namespace"]


def test_parameters_named_like_secrets_by_the_redaction_rules_are_secret() -> None:
    from medic.act.params import is_secret

    for name in ("db-pass", "passphrase", "pin", "storage-key", "ストレージキー", "api-token", "password"):
        assert is_secret(name), name
    for name in ("node", "namespace", "pod", "host", "pinned"):
        assert not is_secret(name), name
