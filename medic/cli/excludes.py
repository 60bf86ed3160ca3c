"""``medic index --exclude GLOB``: files and folders left out of an index run, and out of the index.

A glob is matched against each file's path relative to the folder given to ``index``, its name, and each of
its folder names (``--exclude drafts`` leaves out every folder called drafts). Files already indexed that an
exclude now covers leave the index, as files deleted from an indexed folder do.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from fnmatch import fnmatch
from pathlib import Path

from medic.knowledge.store import Store


def excluded(path: Path, root: Path, globs: Sequence[str]) -> bool:
    try:
        rel = path.relative_to(root)
    except ValueError:
        rel = Path(path.name)
    parts = rel.parts
    return any(fnmatch(rel.as_posix(), g) or any(fnmatch(part, g) for part in parts) for g in globs)


def expand(paths: Sequence[str], globs: Sequence[str]) -> tuple[list[str], list[Path]]:
    """The files to index (folders walked as ``index`` walks them, excluded files left out) and the folders."""
    from medic.knowledge.ingest import _walk

    files: list[str] = []
    roots: list[Path] = []
    for raw in paths:
        p = Path(raw).expanduser()
        if p.is_dir():
            root = p.resolve()
            roots.append(root)
            files += [str(f) for f in _walk(p) if not excluded(f.resolve(), root, globs)]
        elif not (p.exists() and excluded(p.resolve(), p.resolve().parent, globs)):
            files.append(raw)  # a file named on the command line is indexed unless a glob covers its name
    return files, roots


def drop_stale(store: Store, roots: Sequence[Path], globs: Sequence[str], kept: set[str]) -> list[str]:
    """Sources under ``roots`` that are excluded now or no longer exist: removed from the index."""
    removed: list[str] = []
    for root in roots:
        prefix = str(root) + os.sep
        for info in store.sources(builtin=False):
            path = Path(info.path)
            stale = not path.exists() or excluded(path, root, globs)
            if info.path.startswith(prefix) and info.path not in kept and stale:
                store.remove_source(info.path)
                removed.append(info.path)
    return removed
