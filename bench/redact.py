"""Redaction timings: ordinary text, hostile lines at 400 KB and 4 MB, and objects; prints figures.

    python bench/redact.py

Linear time shows as the 4 MB column being about ten times the 400 KB one.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import orjson

from medic.evidence.redact import redact_object_counts, redact_text

HOSTILE = {
    "key header without end": lambda n: "-----BEGIN RSA PRIVATE KEY-----" + "MIIEowIBAAKCAQEA" * (n // 16),
    "key headers": lambda n: "-----BEGIN PRIVATE KEY-----" * (n // 27),
    "key ends": lambda n: "-----END PRIVATE KEY-----" * (n // 25),
    "jwt starts": lambda n: "eyJ" * (n // 3),
    "base64 key marks": lambda n: "LS0tLS1CRUdJTi " * (n // 15),
    "userinfo of at signs": lambda n: "http://u:" + "@" * n,
    "keys without values": lambda n: "password: x " * (n // 12),
    "redis AUTH": lambda n: "AUTH " * (n // 5),
    "curl -u": lambda n: "-u a:b " * (n // 7),
    "yaml blocks": lambda n: "password: |\n" * (n // 12),
}


def cpu(fn: Callable[..., object], *args: object) -> float:
    start = time.process_time()
    fn(*args)
    return time.process_time() - start


def main() -> None:
    print(f"{'hostile line':28} {'400 KB':>9} {'4 MB':>9}  ratio")
    for name, make in HOSTILE.items():
        small, large = cpu(redact_text, make(400_000)), cpu(redact_text, make(4_000_000))
        print(f"{name:28} {small:8.3f}s {large:8.3f}s  {large / max(small, 1e-6):5.1f}")
    log = "\n".join(f"2026-11-20T02:57:{i % 60:02d}Z INFO request {i} served in 3ms" for i in range(100_000))
    print(f"\n100k ordinary log lines ({len(log) >> 20} MB): {cpu(redact_text, log):.3f}s")
    secret_log = log.replace("served", "password=hunter2 served")
    print(f"100k log lines with a password each: {cpu(redact_text, secret_log):.3f}s")
    pod = {
        "metadata": {"name": "web-0", "namespace": "shop", "labels": {"app": "web"}},
        "spec": {"containers": [{"name": "web", "image": "nginx", "env": [{"name": "A", "value": "b"}]}]},
        "status": {"phase": "Running", "containerStatuses": [{"name": "web", "ready": True, "restartCount": 0}]},
    }
    raw = orjson.dumps(pod)
    start = time.process_time()
    for _ in range(50_000):
        redact_object_counts("pods", orjson.loads(raw))
    print(f"50k pods redacted: {time.process_time() - start:.3f}s")


if __name__ == "__main__":
    main()
