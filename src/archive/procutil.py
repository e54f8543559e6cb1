"""Child processes that end with their parent.

A worker left running after its parent is killed (``kill -9``, out of memory) would hold a
store open, or keep validating for nobody. On Linux the kernel can end it: ``PR_SET_PDEATHSIG``
sends it SIGKILL when the thread that started it ends.
"""

from __future__ import annotations

import contextlib
import signal
import sys
from typing import Any

_LIBC: Any = None
if sys.platform.startswith("linux"):
    with contextlib.suppress(OSError):
        import ctypes

        _LIBC = ctypes.CDLL(None)  # loaded here, not in a child between fork and exec

CAN_DIE_WITH_PARENT = _LIBC is not None


def die_with_parent() -> None:
    """In the child (a pool worker's initializer, or ``preexec_fn``): be killed when the
    parent goes. Does nothing where the platform cannot."""
    if _LIBC is not None:
        with contextlib.suppress(Exception):
            _LIBC.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
