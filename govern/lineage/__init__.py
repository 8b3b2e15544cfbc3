"""Lineage: OpenLineage events for every stage and model, delivered durably, queryable.

- ``govern.lineage.events``: the pure mapping from stored records to OpenLineage
  RunEvents (openlineage-python's ``event_v2``/``facet_v2`` classes).
- ``govern.lineage.delivery``: the outbox worker that hands those events to the
  OpenLineage client's own transports, off the stage's hot path.
- ``govern.lineage.graph``: lineage queries (``lineage``, ``run_graph``) over the store's
  index tables.
- ``govern.lineage.importer`` / ``govern.lineage.export``: OpenLineage JSON lines in and out.

Importing this package is cheap: openlineage is imported by the modules that need it.
"""

from __future__ import annotations
