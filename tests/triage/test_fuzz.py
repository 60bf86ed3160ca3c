"""Property tests: any line gives a template whose regex compiles and matches the line itself;
triage of arbitrary bytes never raises."""

from __future__ import annotations

import io
import re

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from medic.knowledge.signatures import template_of
from medic.knowledge.store import Store
from medic.triage import triage

LINES = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r"), min_size=1, max_size=300
)


@given(LINES)
@example("\ue000")  # a private-use character, the kind the templating uses internally
@example('kc-1 2024-01-01T00:00:00Z E! [x] Failure 403 "a" \ue123 cannot watch')
@settings(max_examples=300, deadline=None)
def test_template_regex_compiles_and_matches_its_own_line(line: str) -> None:
    template, regex = template_of(line)
    compiled = re.compile(regex, re.I)
    if regex:
        assert compiled.search(line) is not None, (line, template, regex)


@given(st.binary(max_size=5000))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_triage_of_arbitrary_bytes_never_raises(store: Store, data: bytes) -> None:
    result = triage(store, io.BytesIO(data))
    assert result.bytes <= len(data) + 1
