"""Context -> document: Jinja2 for HTML and Markdown, JSON directly, PDF via WeasyPrint."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from govern.errors import MissingDependencyError, ReportError
from govern.reports.formats import hf_metadata, mct_document
from govern.reports.rendered import DOCUMENT_FORMATS, Document, Format, Rendered
from govern.reports.templating import Flavour, render_template
from govern.store.gcpause import paused_gc

__all__ = ["check_format", "render", "to_json"]


def check_format(document: Document, fmt: str) -> Format:
    """The format, validated for the document.

    Raises:
        ReportError: a format the document does not come in.
    """
    allowed = DOCUMENT_FORMATS[document]
    if fmt not in allowed:
        what = "an audit report" if document == "audit" else "a model card"
        raise ReportError(f"--format must be one of {', '.join(allowed)} for {what}, not {fmt!r}")
    return fmt  # type: ignore[return-value]  # checked against the literal values above


def to_json(value: Any) -> str:
    """Deterministic JSON: sorted keys, two-space indent, no NaN, trailing newline."""
    return json.dumps(value, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def render(
    document: Document, fmt: str, context: dict[str, Any], *, templates: Path | None = None
) -> Rendered:
    """Render a context built by the context builders into one document format.

    Raises:
        ReportError: an unknown format or a failing template.
        MissingDependencyError: ``pdf`` without WeasyPrint installed.
    """
    chosen = check_format(document, fmt)
    if document == "model_card":
        context["hf_metadata"] = hf_metadata(context)
        context["model_card_toolkit"] = mct_document(context)
    if chosen == "json":
        body = context["model_card_toolkit"] if document == "model_card" else context
        return Rendered(document, chosen, to_json(body), context)
    flavour: Flavour = "md" if chosen == "md" else "html"
    # the context stays alive while the template runs: the cyclic collector's full passes
    # (set off by any allocation, e.g. the template engine's first import) would walk all
    # of it and free nothing (a period report's context is millions of objects)
    with paused_gc():
        text = render_template(flavour, f"{document}.{flavour}.j2", context, templates)
    if chosen != "pdf":
        return Rendered(document, chosen, text, context)
    return Rendered(document, chosen, text, context, data=html_to_pdf(text))


def _refuse(url: str, *args: Any, **kwargs: Any) -> Mapping[str, Any]:
    # reports are self-contained: printing them must not fetch anything
    raise ReportError(f"a report may not load external resources (asked for {url[:80]!r})")


def html_to_pdf(html: str) -> bytes:
    """Print a self-contained HTML document to PDF with WeasyPrint (no resource fetching).

    Raises:
        MissingDependencyError: WeasyPrint (or its Pango libraries) is not installed.
    """
    try:
        import weasyprint  # type: ignore[import-untyped]  # ships no type hints
    except ImportError:
        raise MissingDependencyError(
            "PDF reports need WeasyPrint: pip install 'govern[pdf]'"
        ) from None
    except OSError as exc:  # WeasyPrint is there but the Pango libraries are not
        raise MissingDependencyError(
            f"PDF reports need the Pango libraries WeasyPrint uses ({exc}); on Debian or "
            "Ubuntu: apt-get install libpango-1.0-0 libpangoft2-1.0-0"
        ) from None
    pdf = weasyprint.HTML(string=html, url_fetcher=_refuse).write_pdf()
    if not isinstance(pdf, bytes):
        raise ReportError("WeasyPrint returned no PDF")
    return pdf
