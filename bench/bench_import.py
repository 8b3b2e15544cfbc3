"""``python -c "import govern"`` vs ``python -c "import pandas"``, whole processes, paired.

    python bench/bench_import.py [--repeat 15]

Target: ratio <= 1.2. govern imports no heavy backend at import time.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import paired, report


def python(code: str) -> None:
    subprocess.run([sys.executable, "-c", code], check=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    figures = paired(lambda: python("import govern"), lambda: python("import pandas"), args.repeat)
    ok = report("import govern / import pandas", figures, 1.2)
    return 0 if ok or not args.check else 1


if __name__ == "__main__":
    sys.exit(main())
