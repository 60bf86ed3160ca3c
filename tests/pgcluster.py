"""A throw-away PostgreSQL cluster on loopback, for the service tests and bench/alerts_load.py.

Debian's server binaries (PATH, else /usr/lib/postgresql/N/bin); `initdb` refuses root, so as root the
cluster runs as the `postgres` user. Nothing is fsynced: it is thrown away.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


def bindir() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    return versions[-1].parent if versions else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Cluster:
    url: str  # the postgres database as superuser
    root: Path
    proc: subprocess.Popen[bytes]

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(30)
        shutil.rmtree(self.root, ignore_errors=True)


def start(bin_dir: Path) -> Cluster:
    import psycopg

    root = Path(tempfile.mkdtemp(prefix="medic-pg-"))
    prefix = []
    if os.geteuid() == 0:
        prefix = ["runuser", "-u", "postgres", "--"]
        root.chmod(0o755)
        shutil.chown(root, "postgres", "postgres")
    data = root / "data"
    initdb = [str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"]
    subprocess.run([*prefix, *initdb], check=True, capture_output=True)
    port = free_port()
    server = [str(bin_dir / "postgres"), "-D", str(data), "-k", str(root), "-p", str(port)]
    server += ["-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "max_connections=300"]
    proc = subprocess.Popen([*prefix, *server], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
    deadline = time.time() + 60
    while True:
        try:
            psycopg.connect(url, connect_timeout=2).close()
            return Cluster(url, root, proc)
        except psycopg.OperationalError:
            if time.time() > deadline or proc.poll() is not None:
                proc.kill()
                raise
            time.sleep(0.2)


def create_database(cluster_url: str, name: str) -> str:
    import psycopg

    with psycopg.connect(cluster_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return cluster_url.rsplit("/", 1)[0] + "/" + name
