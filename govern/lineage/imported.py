"""What imported events say beyond inputs and outputs: parents, symlinks, columns, drops.

The lineage index holds which run read and wrote which dataset; the rest of what other
producers send is read from the imported events themselves, once per process (events
are immutable, so a catalog only ever grows: each query reads the events imported since
the last one). A store with no imported events costs one empty query.

- ``parent`` and ``root`` run facets: which job launched which (an Airflow task and the
  Spark or dbt job it ran), as links between job nodes;
- ``symlinks``: other names of a dataset (a table for a path), so either finds it;
- ``lifecycleStateChange`` DROP: the job removed the dataset, it did not write it;
- ``columnLineage``: per output column, the input columns it came from.
- jobs named only in events with no inputs or outputs, or only as a parent, are nodes.
"""

from __future__ import annotations

import weakref
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from govern.store import Store
    from govern.store.lineage import LineageIndex

__all__ = ["Catalog", "ColumnLink", "catalog", "column_lineage"]

Name = tuple[str, str]  # (namespace, name)


@dataclass(frozen=True, slots=True)
class ColumnLink:
    """Output column ``field`` of a dataset comes from an input dataset's column."""

    namespace: str
    name: str
    field: str
    input_namespace: str
    input_name: str
    input_field: str
    transformation: str | None
    producer: str


@dataclass
class Catalog:
    """Everything the imported events say that the index does not (see module docstring)."""

    last: int = 0
    jobs: set[Name] = field(default_factory=set)
    parents: dict[Name, set[Name]] = field(default_factory=lambda: defaultdict(set))
    children: dict[Name, set[Name]] = field(default_factory=lambda: defaultdict(set))
    aliases: dict[Name, set[Name]] = field(default_factory=lambda: defaultdict(set))
    dropped: set[tuple[int, str, str]] = field(default_factory=set)  # (seq, namespace, name)
    columns: dict[Name, dict[tuple[str, ...], ColumnLink]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    producers: dict[Name, set[str]] = field(default_factory=lambda: defaultdict(set))

    def add(self, seq: int, event: Mapping[str, Any]) -> None:
        """Learn one imported event (recorded at ``seq``)."""
        self.last = max(self.last, seq)
        job = _name(event.get("job"))
        producer = str(event.get("producer") or "")
        if job is not None:
            self.jobs.add(job)
            self.producers[job].add(producer)
            self._parent(job, ((event.get("run") or {}).get("facets") or {}).get("parent"))
        outputs = event.get("outputs") or ()
        for dataset in [*(event.get("inputs") or ()), *outputs]:
            here = _name(dataset)
            if here is None:
                continue
            facets = dataset.get("facets") or {}
            for other in (facets.get("symlinks") or {}).get("identifiers") or ():
                alias = _name(other)
                if alias is not None and alias != here:
                    self.aliases[alias].add(here)
        for dataset in outputs:
            here = _name(dataset)
            if here is None:
                continue
            facets = dataset.get("facets") or {}
            change = (facets.get("lifecycleStateChange") or {}).get("lifecycleStateChange")
            if str(change).upper() == "DROP":
                self.dropped.add((seq, *here))
            self._columns(here, facets.get("columnLineage"), producer)

    def _parent(self, job: Name, parent: Any) -> None:
        if not isinstance(parent, Mapping):
            return
        for part in (parent, parent.get("root")):
            if not isinstance(part, Mapping):
                continue
            above = _name(part.get("job"))
            if above is not None and above != job:
                self.jobs.add(above)
                self.parents[job].add(above)
                self.children[above].add(job)
                return  # the direct parent is enough; its own events name its root

    def _columns(self, here: Name, facet: Any, producer: str) -> None:
        fields = facet.get("fields") if isinstance(facet, Mapping) else None
        if not isinstance(fields, Mapping):
            return
        for column, spec in fields.items():
            sources = spec.get("inputFields") if isinstance(spec, Mapping) else None
            for source in sources if isinstance(sources, list) else ():
                origin = _name(source)
                if origin is None or not isinstance(source.get("field"), str):
                    continue
                steps = source.get("transformations")
                kinds = [
                    "/".join(str(t.get(k)) for k in ("type", "subtype") if t.get(k))
                    for t in (steps if isinstance(steps, list) else ())
                    if isinstance(t, Mapping)
                ]
                link = ColumnLink(
                    *here,
                    str(column),
                    *origin,
                    source["field"],
                    ", ".join(k for k in kinds if k) or None,
                    producer,
                )
                self.columns[here][(link.field, *origin, link.input_field)] = link

    def dataset_for(self, namespace: str, name: str) -> list[Name]:
        """The datasets a symlink names (empty when it names none)."""
        return sorted(self.aliases.get((namespace, name), ()))

    def related_jobs(self, jobs: Iterable[Name]) -> list[tuple[Name, Name]]:
        """(parent, child) links touching these jobs: their parents and their children."""
        links: set[tuple[Name, Name]] = set()
        for job in jobs:
            links.update((above, job) for above in self.parents.get(job, ()))
            links.update((job, below) for below in self.children.get(job, ()))
        return sorted(links)


def _name(value: Any) -> Name | None:
    if not isinstance(value, Mapping):
        return None
    namespace, name = value.get("namespace"), value.get("name")
    if isinstance(namespace, str) and isinstance(name, str) and namespace and name:
        return (namespace, name)
    return None


_CATALOGS: weakref.WeakKeyDictionary[LineageIndex, Catalog] = weakref.WeakKeyDictionary()


def catalog(store: Store) -> Catalog:
    """The store's catalog, brought up to date with events imported since last asked."""
    index = store.lineage
    known = _CATALOGS.get(index)
    if known is None:
        known = _CATALOGS[index] = Catalog()
    for seq, event in index.imported_after(known.last):
        known.add(seq, event)
    return known


def column_lineage(
    store: Store, namespace: str, name: str, column: str | None = None
) -> list[ColumnLink]:
    """Where the columns of a dataset (or one column) come from, as producers reported."""
    links = catalog(store).columns.get((namespace, name), {})
    return sorted(
        (link for link in links.values() if column is None or link.field == column),
        key=lambda k: (k.field, k.input_namespace, k.input_name, k.input_field),
    )
