"""Frame engines: pandas, polars (eager and lazy) and Spark behind one Protocol.

`engine_for(frame)` returns the engine of a frame (or None); see `govern.engines.base`
for what an engine does and docs/engines.md for how to add one.
"""

from govern.engines.base import Engine, Layout, PanderaRun, Profile, RowFailure
from govern.engines.registry import engine_for, register, registered

__all__ = [
    "Engine",
    "Layout",
    "PanderaRun",
    "Profile",
    "RowFailure",
    "engine_for",
    "register",
    "registered",
]
