"""Comparisons made by the differential suite, per category (printed at session end).

Any backend's harness adds to ``CASES`` once per (frame, check) comparison that passed.
"""

from __future__ import annotations

from collections import Counter

CASES: Counter[str] = Counter()
OUTCOMES: Counter[str] = Counter()  # the verdicts those cases reached (the mix is varied)
