"""`python benchmarks/scale.py --tasks N`: how the engine scales (see docs/BENCHMARKS.md).

The benchmark itself is the package benchmarks/scaling/, a module a phase; its docstring (and
`--help`) says what each phase measures. The names the tests take from here stay here.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.scaling.common import FANOUT_DEADLINE
from benchmarks.scaling.lateness import real_time_settings
from benchmarks.scaling.run import main

__all__ = ["FANOUT_DEADLINE", "main", "real_time_settings"]

if __name__ == "__main__":
    main()
