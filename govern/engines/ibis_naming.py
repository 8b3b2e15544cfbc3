"""OpenLineage names of database tables read through Ibis (the spec's Naming doc).

=========== ================================= ===============================
backend     namespace                         name
=========== ================================= ===============================
duckdb      ``duckdb://<absolute file path>``  ``<catalog>.<schema>.<table>``
            (``duckdb://memory`` in memory)
postgres    ``postgres://<host>:<port>``       ``<database>.<schema>.<table>``
snowflake   ``snowflake://<org>-<account>``    ``<database>.<schema>.<table>``
bigquery    ``bigquery``                       ``<project>.<dataset>.<table>``
others      ``<backend>://<host>:<port>``      ``<catalog>.<schema>.<table>``
=========== ================================= ===============================

Credentials never reach a name: hosts come from the connection's parsed parameters
(never its URL), and every namespace goes through `govern.redaction.redact_uri`.
"""

from __future__ import annotations

import contextlib
from typing import Any

from govern.errors import GateDefinitionError
from govern.redaction import redact_uri
from govern.types import DatasetKind, DatasetRef

__all__ = ["gx_sql", "ol_name", "source_tables", "table_ref"]


def ol_name(
    backend: str,
    table: str,
    *,
    schema: str | None = None,
    catalog: str | None = None,
    host: str | None = None,
    port: int | None = None,
    path: str | None = None,
    account: str | None = None,
) -> tuple[str, str]:
    """(namespace, name) of one table per OpenLineage's naming rules."""
    parts = [p for p in (catalog, schema, table) if p]
    name = ".".join(parts)
    if backend == "duckdb":
        where = path if path and path != ":memory:" else "memory"
        namespace = f"duckdb://{where}"
    elif backend == "postgres":
        namespace = f"postgres://{host or 'localhost'}:{port or 5432}"
    elif backend == "snowflake":
        namespace = f"snowflake://{account or 'unknown'}"
    elif backend == "bigquery":
        namespace = "bigquery"
    else:
        authority = f"{host}:{port}" if host and port else (host or "")
        namespace = f"{backend}://{authority}" if authority else backend
    return redact_uri(namespace), name


def _connection(con: Any) -> dict[str, Any]:
    """Host, port, path, account and defaults of a live Ibis connection."""
    name = str(con.name)
    out: dict[str, Any] = {}
    if name == "duckdb":
        row = con.raw_sql(
            "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
        ).fetchone()
        out["path"] = row[0] if row and row[0] else None
    elif name == "postgres":
        info = con.con.info
        out.update(host=info.host, port=info.port, catalog=info.dbname)
    with contextlib.suppress(Exception):  # a backend without catalogs
        out.setdefault("catalog", con.current_catalog)
    with contextlib.suppress(Exception):  # ... or without schemas
        out["schema"] = con.current_database
    return out


def _ref_of(op: Any, kind: DatasetKind) -> DatasetRef:
    con = op.source
    found = _connection(con)
    namespace = getattr(op, "namespace", None)
    catalog = getattr(namespace, "catalog", None) or found.get("catalog")
    schema = getattr(namespace, "database", None) or found.get("schema")
    ns, name = ol_name(
        str(con.name),
        str(op.name),
        schema=schema,
        catalog=catalog,
        host=found.get("host"),
        port=found.get("port"),
        path=found.get("path"),
    )
    return DatasetRef(ns, name, kind)


def source_tables(frame: Any) -> list[DatasetRef]:
    """The database tables an Ibis expression reads, in a stable order."""
    import ibis.expr.operations as ops

    leaves = frame.op().find(ops.DatabaseTable)
    refs = {_ref_of(op, DatasetKind.SOURCE) for op in leaves}
    return sorted(refs, key=lambda r: (r.namespace, r.name))


def table_ref(frame: Any, location: str | None) -> DatasetRef:
    """The identity of a table read as a source: its own name, or ``location``."""
    import ibis.expr.operations as ops

    if location is not None:
        from urllib.parse import urlsplit

        clean = urlsplit(location)
        if clean.scheme and clean.netloc:
            namespace = redact_uri(f"{clean.scheme}://{clean.hostname or ''}")
            if clean.port:
                namespace += f":{clean.port}"
            return DatasetRef(namespace, clean.path.lstrip("/"), DatasetKind.SOURCE)
        return DatasetRef(_ref_of_any(frame), location, DatasetKind.SOURCE)
    op = frame.op()
    if isinstance(op, ops.DatabaseTable):
        return _ref_of(op, DatasetKind.SOURCE)
    refs = source_tables(frame)
    if len(refs) == 1:
        return DatasetRef(refs[0].namespace, refs[0].name, DatasetKind.DERIVED)
    raise GateDefinitionError(
        "this Ibis expression reads several tables; name it with govern.source(table, name)"
    )


def _ref_of_any(frame: Any) -> str:
    refs = source_tables(frame)
    return refs[0].namespace if refs else "ibis"


def gx_sql(frame: Any) -> tuple[str, str]:
    """(SQLAlchemy URL, query) of an Ibis table on PostgreSQL, for GX's SQL source.

    Raises:
        GateDefinitionError: the backend is not one GX's SQL data sources support here.
    """
    import ibis
    from sqlalchemy import URL

    try:
        backend = str(frame.get_backend().name)
    except Exception:  # an unbound table
        backend = "unbound"
    if backend != "postgres":
        raise GateDefinitionError(
            f"Great Expectations suites do not run on Ibis tables of backend {backend!r}: "
            "GX validates SQL through its SQLAlchemy data sources, which govern connects "
            "for PostgreSQL only. Use a pandera.ibis schema on this table"
        )
    info = frame.get_backend().con.info
    url = URL.create(
        "postgresql+psycopg",
        username=info.user,
        password=info.password or None,
        host=info.host,
        port=info.port,
        database=info.dbname,
    ).render_as_string(hide_password=False)
    return url, str(ibis.to_sql(frame, dialect="postgres"))
