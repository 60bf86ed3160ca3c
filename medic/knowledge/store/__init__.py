"""Where entries live: SQLite with FTS5 (the embedded default)."""

from medic.knowledge.store.sqlite import SourceInfo, Store

__all__ = ["SourceInfo", "Store"]
