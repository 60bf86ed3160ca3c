"""One BLAS thread in a command-line process.

NumPy's BLAS starts a thread per core and spins them between calls: on a busy two-core machine the
encoder's second thread fights whatever else runs (indexing a corpus went from 12 s to 35 s with one
core taken, 12 s with one BLAS thread). A command encodes a query or a batch of short texts, which one
thread does as fast. The thread count is read from the environment when NumPy loads its BLAS, so the
command line sets it first (``limit``) and takes it back out once NumPy is loaded (``restore``): the
commands a runbook step runs do not inherit it. ``MEDIC_BLAS_THREADS`` chooses another count.
"""

from __future__ import annotations

import os
import sys

VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
_added: list[str] = []


def limit() -> None:
    """Before NumPy is imported: one BLAS thread (or ``MEDIC_BLAS_THREADS``) unless the user set a count."""
    if "numpy" in sys.modules:
        return
    threads = os.environ.get("MEDIC_BLAS_THREADS", "1")
    for name in VARIABLES:
        if name not in os.environ:
            os.environ[name] = threads
            _added.append(name)


def restore() -> None:
    """Once NumPy is loaded: the variables ``limit`` added are removed again."""
    if "numpy" not in sys.modules:
        return
    while _added:
        os.environ.pop(_added.pop(), None)
