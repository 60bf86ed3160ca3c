"""Fixtures for the live collector: an emulated API server on loopback and a kubeconfig pointing at it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from medic.evidence.kube import CollectOptions
from tests.collect.emulator import Cluster, serve
from tests.collect.fixtures import Material, build_cluster, write_kubeconfig

PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "all_proxy")


@dataclass
class Live:
    """A running emulator: its URL, the kubeconfig written for it, and the state it serves."""

    url: str
    kubeconfig: Path
    cluster: Cluster
    material: Material

    def options(self, **kw: Any) -> CollectOptions:
        defaults: dict[str, Any] = {
            "kubeconfig": str(self.kubeconfig),
            "timeout": 3.0,
            "log_lines": 20,
            "workers": 4,
        }
        defaults.update(kw)
        return CollectOptions(**defaults)


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No proxy, no user kubeconfig, not in a pod: only what a test sets."""
    for name in (*PROXY_VARIABLES, "KUBECONFIG", "KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


@pytest.fixture(scope="session")
def material() -> Material:
    return Material()


@pytest.fixture()
def make_live(tmp_path: Path, material: Material) -> Iterator[Callable[..., Live]]:
    """Start an emulator for a cluster (built by ``build_cluster`` unless given; ``n_pods`` filler pods)."""
    stack: list[Any] = []

    def start(
        cluster: Cluster | None = None, n_pods: int = 30, prepare: Callable[[Cluster], None] | None = None
    ) -> Live:
        cluster = cluster or build_cluster(material, n_pods=n_pods)
        if prepare is not None:
            prepare(cluster)
        ctx = serve(cluster)
        url = ctx.__enter__()
        stack.append(ctx)
        path = write_kubeconfig(tmp_path / f"kubeconfig-{len(stack)}", url, cluster.token)
        return Live(url, path, cluster, material)

    yield start
    for ctx in reversed(stack):
        ctx.__exit__(None, None, None)


@pytest.fixture()
def live(make_live: Callable[..., Live]) -> Live:
    return make_live()
