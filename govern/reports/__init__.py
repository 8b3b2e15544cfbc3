"""Audit reports and model cards, generated from the audit record only.

Two documents, four formats, one call each::

    from govern import reports

    out = reports.audit(run="latest", format="html")        # or pipeline=..., since=...
    out.write("reports/audit.html")
    card = reports.model_card("penguin-species@3", format="md")
    card.context["gaps"]                                     # human fields still to write

Both read the store (``settings().store`` unless a Store or URL is given) and never re-run
anything. ``Rendered.text`` is the document (for ``pdf``: the HTML it was printed from,
the PDF itself in ``Rendered.data``); ``Rendered.context`` the JSON-able dict the
templates saw. Templates are Jinja2, shipped as package data and overridable from a
directory (``templates=`` or ``[tool.govern] templates``), and then run sandboxed.
"""

from __future__ import annotations

from govern.reports.api import audit, model_card
from govern.reports.rendered import DOCUMENT_FORMATS, Rendered

__all__ = ["DOCUMENT_FORMATS", "Rendered", "audit", "model_card"]
