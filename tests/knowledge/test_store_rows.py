"""What the store writes for an entry is what the entry's ``to_dict`` says."""

from __future__ import annotations

import json
from pathlib import Path

from medic.knowledge.ingest import builtin_files, entries_for
from medic.knowledge.reader import decode_runbook, detect_format
from medic.knowledge.store.sqlite import _entry_json, entry_from_json


def test_entry_json_is_to_dict_dumped() -> None:
    seen = 0
    for name, data in builtin_files():
        text = decode_runbook(Path(name), data)
        for entry in entries_for(text, detect_format(Path(name), text), "builtin:" + name, Path(name).stem, True):
            stored = _entry_json(entry)
            assert stored == json.dumps(entry.to_dict(), ensure_ascii=False)
            assert entry_from_json(stored) == entry
            seen += 1
    assert seen > 200
