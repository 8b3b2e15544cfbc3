"""``govern.reports.audit`` and ``govern.reports.model_card``: the record in, a document out."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govern.reports.render import check_format, render
from govern.reports.rendered import Rendered

if TYPE_CHECKING:
    from govern.store import Store

__all__ = ["audit", "model_card"]


@contextmanager
def _store(store: Store | str | PathLike[str] | None) -> Iterator[Store]:
    """A given Store as is; a URL/path (or None: the configured store) opened read-only."""
    from govern.store import Store, open_store

    if isinstance(store, Store):
        yield store
        return
    opened = open_store(None if store is None else str(store), create=False)
    try:
        yield opened
    finally:
        opened.close()


def _templates(templates: str | PathLike[str] | None) -> Path | None:
    from govern.config import settings

    if templates is not None:
        return Path(templates)
    return settings().templates


def _now(generated_at: datetime | None) -> datetime:
    return generated_at if generated_at is not None else datetime.now(UTC)


def _require_verified(context: dict[str, Any]) -> None:
    from govern.errors import IntegrityError

    found = context["header"]["integrity"]
    if found["status"] != "verified":
        raise IntegrityError(
            f"the record is {found['status']}: {found['message']} "
            "(--require-verified: no report written)"
        )


def _settings() -> dict[str, Any]:
    from govern._version import __version__
    from govern.config import settings

    current = settings()
    return {
        "govern_version": __version__,
        "pii_columns": current.pii_columns,
        "sample_size": current.sample_size,
    }


def audit(
    store: Store | str | PathLike[str] | None = None,
    *,
    run: str | None = None,
    pipeline: str | None = None,
    since: str | date | datetime | None = None,
    model: str | None = None,
    format: str = "html",
    templates: str | PathLike[str] | None = None,
    generated_at: datetime | None = None,
    require_verified: bool = False,
) -> Rendered:
    """The audit report of a run, a pipeline over a period, or the runs behind a model.

    Args:
        store: a Store, a store path or URL, or None for the configured store.
        run: a run id, unique prefix or ``latest`` (the default scope).
        pipeline: every run of this pipeline (with ``since``: from that date on).
        since: ``YYYY-MM-DD`` or an ISO 8601 date-time (UTC unless it has an offset).
        model: ``NAME@VERSION`` (or ``NAME`` for the latest): the runs behind it.
        format: ``html``, ``md``, ``json`` or ``pdf``.
        templates: a directory whose templates replace the shipped ones of the same name
            (default ``settings().templates``).
        generated_at: the time printed as "generated at" (default now).
        require_verified: raise instead of reporting on a chain that is not verified.

    Raises:
        ReportError: conflicting scopes, a bad date or format, or a failing template.
        IntegrityError: ``require_verified`` and the chain is tampered or not verified.
        StoreError: no store, or no such run or model.
    """
    from govern.reports.context.audit import build_audit
    from govern.reports.scope import resolve_scope
    from govern.store.gcpause import paused_gc

    check_format("audit", format)
    with _store(store) as opened, paused_gc():  # the context is acyclic data, built whole
        scope = resolve_scope(opened, run=run, pipeline=pipeline, since=since, model=model)
        context = build_audit(opened, scope, generated_at=_now(generated_at), **_settings())
    if require_verified:
        _require_verified(context)
    return render("audit", format, context, templates=_templates(templates))


def model_card(
    ref: str,
    store: Store | str | PathLike[str] | None = None,
    *,
    format: str = "md",
    templates: str | PathLike[str] | None = None,
    generated_at: datetime | None = None,
    require_verified: bool = False,
) -> Rendered:
    """The model card of ``NAME@VERSION`` (or ``NAME``: its latest version).

    Args:
        ref: ``NAME``, ``NAME@VERSION`` or ``NAME@latest``.
        store: a Store, a store path or URL, or None for the configured store.
        format: ``md`` (Hugging Face front matter), ``html``, ``json`` (Model Card
            Toolkit v0.0.2) or ``pdf``.
        templates: a directory of templates replacing the shipped ones of the same name.
        generated_at: the time printed as "generated at" (default now).
        require_verified: raise instead of reporting on a chain that is not verified.

    Raises:
        ReportError: a malformed reference or format, or a failing template.
        IntegrityError: ``require_verified`` and the chain is tampered or not verified.
        StoreError: no store, or no such model (version).
    """
    from govern.reports.context.card import build_card
    from govern.reports.scope import parse_model_ref

    check_format("model_card", format)
    name, version = parse_model_ref(ref)
    with _store(store) as opened:
        found = opened.model(name, version)
        context = build_card(opened, found, generated_at=_now(generated_at), **_settings())
    if require_verified:
        _require_verified(context)
    return render("model_card", format, context, templates=_templates(templates))
