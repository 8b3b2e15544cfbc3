"""The result of rendering a document: its text (or bytes) and the context behind it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any, Literal

__all__ = ["DOCUMENT_FORMATS", "Document", "Format", "Rendered"]

Document = Literal["audit", "model_card"]
Format = Literal["html", "md", "json", "pdf"]

DOCUMENT_FORMATS: Mapping[str, tuple[str, ...]] = {
    "audit": ("html", "md", "json", "pdf"),
    "model_card": ("md", "html", "json", "pdf"),
}
"""The formats of each document; the first is the default."""


@dataclass(frozen=True, slots=True, repr=False)
class Rendered:
    """One rendered document.

    Attributes:
        document: ``audit`` or ``model_card``.
        format: ``html``, ``md``, ``json`` or ``pdf``.
        text: the document; for ``pdf`` the HTML the PDF was printed from.
        context: the JSON-able dict the templates were rendered from.
        data: the PDF bytes (``pdf`` only), else None.
    """

    document: Document
    format: Format
    text: str
    context: Mapping[str, Any]
    data: bytes | None = None

    def write(self, path: str | PathLike[str]) -> Path:
        """Write the document (UTF-8 text, or the PDF bytes) to ``path``; return it."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        if self.data is not None:
            target.write_bytes(self.data)
        else:
            target.write_text(self.text, encoding="utf-8")
        return target

    def _repr_html_(self) -> str:
        # Jupyter shows an HTML document as is; other formats as escaped, preformatted text
        if self.format == "html":
            return self.text
        from html import escape

        return f"<pre>{escape(self.text)}</pre>"

    def __repr__(self) -> str:
        size = len(self.data) if self.data is not None else len(self.text)
        return f"<Rendered {self.document} {self.format} ({size} bytes/chars)>"
