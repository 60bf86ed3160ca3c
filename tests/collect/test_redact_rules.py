"""The redaction rule table, one test per row; what each format rule removes and keeps; linear time."""

from __future__ import annotations

import resource
import subprocess
import sys
import textwrap
from typing import Any

import orjson
import pytest

from medic.evidence.redact import (
    REDACTED,
    may_hold_secrets,
    redact_json,
    redact_lines,
    redact_object_counts,
    redact_snapshot,
    redact_text,
)
from medic.evidence.redact.rules import KEY_RULES, KeyRule, key_rule, key_words
from medic.evidence.redact.text import SHAPES
from medic.model import Snapshot
from tests.collect.fixtures import b64, make_cert

SECRET = "Zq7-Xv9_Lm2pRt4w"  # fake; looks like a credential to every rule


def _spellings(words: tuple[str, ...]) -> list[str]:
    """A key written the ways configurations write it: snake, SCREAMING, kebab, camel, dotted."""
    camel = words[0] + "".join(w.capitalize() for w in words[1:])
    return ["_".join(words), "_".join(words).upper(), "-".join(words), camel, ".".join(words), "db_" + "_".join(words)]


@pytest.mark.parametrize("rule", KEY_RULES, ids=lambda r: "-".join(r.words))
def test_each_key_rule(rule: KeyRule) -> None:
    for key in _spellings(rule.words):
        assert key_rule(key) == rule or key_rule(key) is not None, key
        # structured: the scalar goes whatever it looks like (even a plain word or a number)
        for value in (SECRET, "plainword", 123456):
            obj: dict[str, Any] = {"spec": {"config": {key: value, "name": "kept"}}}
            redact_object_counts("widgets", obj, deep=True)
            assert obj["spec"]["config"] == {key: REDACTED, "name": "kept"}, (key, value)
        # text: key=value, key: value, "key": "value", --key value, --key=value
        for text in (f"{key}={SECRET}", f"{key}: {SECRET}", f'{{"{key}": "{SECRET}"}}', f"--{key}={SECRET}"):
            out, n = redact_text(text)
            assert SECRET not in out and n == 1, (text, out)
        if "." not in key:
            out, _ = redact_text(f"run --{key} {SECRET} now")
            assert out == f"run --{key} {REDACTED} now", key


@pytest.mark.parametrize(
    "key",
    [
        "passwordless",
        "secretName",
        "tokenTTL",
        "password-reset-service",
        "bypass",
        "tokenizer",
        "key",
        "keyRef",
        "secretKeyRef",
        "passwordFile",
        "tls.crt",
        "pinned",
        "sessionAffinity",
        "authMode",
        "private_key_id",
    ],
)
def test_keys_that_name_rather_than_hold(key: str) -> None:
    assert key_rule(key) is None, key_words(key)
    obj: dict[str, Any] = {"spec": {key: "db-credentials"}}
    redact_object_counts("widgets", obj, deep=True)
    assert obj == {"spec": {key: "db-credentials"}}


def test_key_words() -> None:
    assert key_words("storageAccountKey") == ("storage", "account", "key")
    assert key_words("X-Api-Key") == ("x", "api", "key")
    assert key_words("APIKey") == ("api", "key")
    assert key_words("--db-pass") == ("db", "pass")
    assert key_words("PGPASSWORD") == ("pgpassword",) and key_rule("PGPASSWORD") is not None


def _pem() -> str:
    return make_cert("rules", [])[1].decode()


SHAPE_EXAMPLES: dict[str, tuple[str, str]] = {  # shape → (text, the part that must go)
    "jwt": ("token rejected: eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4eHh4In0.c2lnbmF0dXJlMTIz (expired)", "eyJhbGci"),
    "bearer": ("upstream said Bearer abcDEF0123456789xyz", "abcDEF0123456789xyz"),
    "basic": (f"header Basic {b64('deploy:' + SECRET)}", b64("deploy:" + SECRET)),
    "connection_string": (f"dial amqp://guest:{SECRET}@rabbit:5672/", SECRET),
    "aws_key": ("using AKIAIOSFODNN7EXAMPLE for s3", "AKIAIOSFODNN7EXAMPLE"),
    "token": ("clone with ghp_0123456789abcdefghijABCDEFGHIJ012345", "ghp_0123456789"),
}


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: s[0])
def test_each_value_shape(shape: tuple[Any, ...]) -> None:
    kind = shape[0]
    text, secret = SHAPE_EXAMPLES[kind]
    out, n = redact_text(text)
    assert secret not in out and n >= 1 and REDACTED in out, out
    assert may_hold_secrets(text)
    assert redact_text(out) == (out, 0)  # idempotent


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"mysql -uroot -p{SECRET} -h db", "mysql -uroot -p<redacted> -h db"),
        (f"curl -u admin:{SECRET} https://x", "curl -u admin:<redacted> https://x"),
        (f"curl --user=admin:{SECRET} https://x", "curl --user=admin:<redacted> https://x"),
        (f"redis-cli -h cache -a {SECRET} ping", "redis-cli -h cache -a <redacted> ping"),
        (f"redis> AUTH {SECRET}", "redis> AUTH <redacted>"),
        (f"redis-server --requirepass {SECRET}", "redis-server --requirepass <redacted>"),
        (f"app --db-pass={SECRET}", "app --db-pass=<redacted>"),
        (f"Authorization: token {SECRET}", "Authorization: token <redacted>"),
        (f"authorization: {SECRET}", "authorization: <redacted>"),
        (f"Cookie: session={SECRET}; theme=dark", "Cookie: <redacted>"),
        (f'Set-Cookie: "id={SECRET}; Secure"', 'Set-Cookie: "<redacted>"'),
        ("password: 'p4ss w0rd @home'", "password: '<redacted>'"),
        ('export PGPASSWORD="a b@c"', 'export PGPASSWORD="<redacted>"'),
        (f"postgres://app:p@ss{SECRET}@db:5432/x", "postgres://app:<redacted>@db:5432/x"),
        (f"https://admin:{SECRET}@10.0.0.1:6443", "https://admin:<redacted>@10.0.0.1:6443"),
        (f"unlock passphrase={SECRET} pin=4821", "unlock passphrase=<redacted> pin=<redacted>"),
        (f"password: |\n  {SECRET}\n  more\nnext: 1", "password: |\n<redacted>\nnext: 1"),
        (f'{{\\"password\\":\\"{SECRET}\\"}}', '{\\"password\\":\\"<redacted>\\"}'),
        (
            f"DefaultEndpointsProtocol=https;AccountKey={b64(SECRET * 4)};x=y",
            "DefaultEndpointsProtocol=https;AccountKey=<redacted>;x=y",
        ),
        (f"?sv=2022&sig={SECRET}%3D&se=1", "?sv=2022&sig=<redacted>&se=1"),
        (f"tls.key: {b64(_pem())}", "tls.key: <redacted>"),
        (f"got {b64(_pem())} from the API", "got <redacted> from the API"),
        (
            "cfg " + b64(orjson.dumps({"auths": {"r.io": {"auth": b64("u:" + SECRET)}}}).decode()),
            "cfg <redacted>",
        ),
    ],
)
def test_text_formats(text: str, expected: str) -> None:
    out, n = redact_text(text)
    assert out == expected and n >= 1
    assert may_hold_secrets(text)
    assert redact_text(out) == (out, 0)


NEGATIVES = [
    "password-reset-service-5d8f-abcde restarted",
    "image example.com/shop/token-bucket:1.4.2 pulled",
    "passwordless login enabled for tenant",
    "invalid token: expired",
    "auth: failed",
    "PASS: 3 tests",
    "secret: missing",
    "docker run -p 8080:80 nginx",
    "kubectl get secret db -o jsonpath={.data.password}",
    "AUTH failed",
    'password authentication failed for user "orders"',
    "curl -u admin https://x",
    'MountVolume.SetUp failed for volume "creds" : secret "db-credentials" not found',
    "ssh git@github.com:shop/orders.git",
    "kind: Secret\ntype: kubernetes.io/tls",
]


@pytest.mark.parametrize("line", NEGATIVES)
def test_ordinary_text_is_kept(line: str) -> None:
    assert redact_text(line) == (line, 0)


def test_pem_keys_whole_cut_and_across_lines() -> None:
    pem = _pem()
    assert redact_text(f"a\n{pem}b") == ("a\n<redacted private key>\nb", 1)
    head = "\n".join(pem.splitlines()[:3])
    assert redact_text(f"{head}\n2026-11-20 next line") == ("<redacted private key>\n2026-11-20 next line", 1)
    assert redact_lines(["start", *pem.splitlines(), "end"]) == (["start", "<redacted private key>", "end"], 1)


def test_structured_formats() -> None:
    obj: dict[str, Any] = {
        "spec": {
            "containers": [
                {
                    "name": "app",
                    "command": ["mysql", "-uroot", f"-p{SECRET}"],
                    "args": ["--token", SECRET, "-u", f"ops:{SECRET}", "--mode", "fast"],
                    "readinessProbe": {"httpGet": {"httpHeaders": [{"name": "X-Api-Key", "value": SECRET}]}},
                    "env": [{"name": "LEVEL", "value": "debug"}],
                },
                {"name": "cache", "args": ["redis-cli", "-a", SECRET]},
            ],
            "csi": {"volumeAttributes": {"storageAccountKey": SECRET, "shareName": "share"}},
            "items": [{"key": "client-key-data", "value": SECRET}, {"name": "plain", "value": "kept"}],
        }
    }
    counts = redact_object_counts("pods", obj)
    c0, c1 = obj["spec"]["containers"]
    assert c0["command"] == ["mysql", "-uroot", "-p<redacted>"]
    assert c0["args"] == ["--token", REDACTED, "-u", f"ops:{REDACTED}", "--mode", "fast"]
    assert c0["readinessProbe"]["httpGet"]["httpHeaders"] == [{"name": "X-Api-Key", "value": REDACTED}]
    assert c0["env"] == [{"name": "LEVEL", "value": REDACTED}]  # every literal env value
    assert c1["args"] == ["redis-cli", "-a", REDACTED]
    assert obj["spec"]["csi"]["volumeAttributes"] == {"storageAccountKey": REDACTED, "shareName": "share"}
    assert obj["spec"]["items"] == [{"key": "client-key-data", "value": REDACTED}, {"name": "plain", "value": "kept"}]
    assert sum(counts.values()) == 8
    assert SECRET not in orjson.dumps(obj).decode()


def test_argument_lists_outside_pod_specs() -> None:
    """A custom resource's command line: found by the prefilter, redacted by the list rule."""
    job = {"spec": {"steps": [{"run": ["curl", "-u", f"ops:{SECRET}", "https://x"]}, {"run": ["--api-key", SECRET]}]}}
    assert may_hold_secrets(orjson.dumps(job))
    assert sum(redact_object_counts("workflows", job).values()) == 2
    assert job["spec"]["steps"] == [
        {"run": ["curl", "-u", f"ops:{REDACTED}", "https://x"]},
        {"run": ["--api-key", REDACTED]},
    ]


def test_redact_json_and_snapshot() -> None:
    payload, n = redact_json({"alert": {"labels": {"password": SECRET}, "text": f"Bearer {SECRET}xyz"}})
    assert payload == {"alert": {"labels": {"password": REDACTED}, "text": f"Bearer {REDACTED}"}} and n == 2
    snap = Snapshot(
        objects={"events": [{"message": f"pull failed: Authorization: Bearer {SECRET}"}]},
        logs={"a/b/c": ["x", f"password={SECRET}"]},
        host={"units": [{"cmdline": f"app --db-pass={SECRET}"}]},
        meta={"server": f"https://u:{SECRET}@h:6443"},
    )
    counts = redact_snapshot(snap)
    assert sum(counts.values()) == 4
    assert SECRET not in orjson.dumps({"o": snap.objects, "l": snap.logs, "h": snap.host, "m": snap.meta}).decode()


def test_deep_nesting_is_bounded() -> None:
    deep: Any = SECRET
    for _ in range(5000):
        deep = {"a": [deep]}
    redact_json(deep)  # no RecursionError: past MAX_DEPTH a value is replaced whole


# Inputs that made redaction quadratic before (or could): each is read under a CPU-time limit in a subprocess.
HOSTILE = {
    "key header without end": '"-----BEGIN RSA PRIVATE KEY-----" + "MIIEowIBAAKCAQEA" * (N // 16)',
    "key headers": '"-----BEGIN PRIVATE KEY-----" * (N // 27)',
    "key ends": '"-----END PRIVATE KEY-----" * (N // 25)',
    "base64 run then ends": '"A" * (N // 2) + "-----END PRIVATE KEY-----" * 200',
    "jwt starts": '"eyJ" * (N // 3)',
    "base64 key marks": '"LS0tLS1CRUdJTi " * (N // 15)',
    "userinfo of at signs": '"http://u:" + "@" * N',
    "keys without values": '"password: x " * (N // 12)',
    "redis AUTH": '"AUTH " * (N // 5)',
    "curl -u": '"-u a:b " * (N // 7)',
    "mysql -p": '"mysql " + "-pa " * (N // 4)',
    "yaml blocks": '"password: |\\n" * (N // 12)',
    "json-escaped quotes": '\'\\\\"password\\\\":\\\\"\' * (N // 16)',
    "long key run": '"a" * N + "password=x"',
    "dashes and a key": '("-" * 1000 + "password ") * (N // 1009)',
}


def _run_limited(code: str, cpu_seconds: int) -> subprocess.CompletedProcess[str]:
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds))

    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, preexec_fn=limit)


def test_every_hostile_input_at_400kb_under_a_cpu_limit() -> None:
    body = "\n".join(f"    redact_text({expr})" for expr in HOSTILE.values())
    code = f"from medic.evidence.redact import redact_text\nN = 400_000\nif True:\n{body}\nprint('done')\n"
    res = _run_limited(code, 10)
    assert res.returncode == 0 and res.stdout.strip() == "done", res.stderr[-500:]


@pytest.mark.parametrize(
    "name", ["key header without end", "key headers", "jwt starts", "redis AUTH", "userinfo of at signs"]
)
def test_hostile_input_at_4mb_under_a_cpu_limit(name: str) -> None:
    code = textwrap.dedent(
        f"""
        from medic.evidence.redact import redact_text
        N = 4_000_000
        out, n = redact_text({HOSTILE[name]})
        print('done', len(out) < N * 2)
        """
    )
    res = _run_limited(code, 10)
    assert res.returncode == 0 and res.stdout.split() == ["done", "True"], res.stderr[-500:]
