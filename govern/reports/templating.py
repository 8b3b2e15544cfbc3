"""The Jinja2 environments reports render in, and the filters that keep them safe.

Whenever a templates directory is in use, every template -- the user's and the shipped
ones it imports -- runs in Jinja2's immutable sandbox: a template cannot reach Python
internals (``__class__``, ``__subclasses__``, ``mro``...) nor change the context. The
shipped templates alone are govern's own code and render unsandboxed (faster; data is
never evaluated as template code either way).

HTML templates autoescape. Markdown templates autoescape too (so data left unfiltered by
mistake is inert), and escape table cells and text with ``md`` / ``mdtext``, which also
neutralise ``|``, newlines, backticks and Markdown syntax. Links only ever point to
http(s) URLs (``http_url``); no filter marks data as safe.
"""

from __future__ import annotations

import functools
import json
import math
import re
import traceback
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote, urlsplit

from govern.errors import ReportError

if TYPE_CHECKING:
    from jinja2 import Environment
    from markupsafe import Markup

__all__ = [
    "TEMPLATE_NAMES",
    "Flavour",
    "environment",
    "http_url",
    "md_cell",
    "md_text",
    "render_template",
]

Flavour = Literal["html", "md"]

TEMPLATE_NAMES = (
    "audit.html.j2",
    "audit.md.j2",
    "model_card.html.j2",
    "model_card.md.j2",
    "_macros.html.j2",
    "_macros.md.j2",
    "_monitoring.html.j2",
    "_monitoring.md.j2",
    "_period.html.j2",
    "_period.md.j2",
    "_style.css.j2",
    "repr.html.j2",
)
"""The shipped templates; a file of the same name in the templates directory replaces one."""

# "_" only where it could open or close emphasis (not inside snake_case words)
_MD_PUNCT = re.compile(r"([\\`*\[\]#!|~$]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9]))")
_NEWLINES = re.compile(r"\r\n|\r|\n")
_BLOCK_START = re.compile(r"^(\d*)([-+=.)])")
# what GitHub or linkify would turn into a link: no whitespace, <, >, | or ` inside;
# every repeat before a fixed part is bounded, so matching stays linear in the text
_URL_CHARS = r"[^\s<>|`]"
_AUTOLINK = re.compile(
    rf"(?:[A-Za-z][A-Za-z0-9+.\-]{{0,30}}://|www\.|mailto:){_URL_CHARS}*"
    rf"|[\w.+\-]{{1,64}}@[\w\-]{{1,63}}(?:\.[\w\-]{{1,63}})+"
    rf"|//[^\s<>|`/]{_URL_CHARS}*"
)
_TRAILING = ".,;:!?'\")]*_~"


def _html_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _markup(text: str) -> Markup:
    from markupsafe import Markup

    return Markup(text)  # noqa: S704 -- text built here from escaped parts only


def _md_escape(text: str) -> str:
    # backslash-escape Markdown syntax first, then make &, < and > entities: no tag can form
    return _html_escape(_MD_PUNCT.sub(r"\\\1", text))


def md_cell(value: Any) -> Markup:
    """Escape a value for one Markdown table cell: HTML, Markdown syntax, ``|``, newlines.

    Text a renderer would auto-link (``scheme://...``, ``www.``, ``mailto:``, e-mail
    addresses, ``//host``) goes out as an inline code span: shown, never a live link.
    """
    text = "" if value is None else _plain(value)
    if not any(mark in text for mark in ("//", "@", "www.", "mailto:")):
        return _markup(_NEWLINES.sub("<br>", _md_escape(text)))  # nothing to link
    parts: list[str] = []
    done = 0
    for found in _AUTOLINK.finditer(text):
        link = found.group().rstrip(_TRAILING)
        if not link:
            continue
        parts.append(_md_escape(text[done : found.start()]))
        parts.append(f"`{link}`")
        done = found.start() + len(link)
    parts.append(_md_escape(text[done:]))
    return _markup(_NEWLINES.sub("<br>", "".join(parts)))


def md_text(value: Any) -> Markup:
    """Escape a value for a Markdown paragraph: like a cell, but keeps its line breaks.

    Blank lines are dropped: one would end the paragraph, and a line opening with the
    ``<br>`` that follows it would start a raw HTML block.
    """
    text = "" if value is None else _plain(value)
    lines = []
    for line in _NEWLINES.split(text):
        if not line.strip():
            continue
        cell = str(md_cell(line.strip()))
        # a line may not start a list, a heading underline or a numbered item
        lines.append(_BLOCK_START.sub(lambda m: m.group(1) + "\\" + m.group(2), cell, count=1))
    return _markup("<br>\n".join(lines))


def md_code(value: Any) -> Markup:
    """An inline code span (safe in a table cell): ids, hashes, fingerprints."""
    text = _NEWLINES.sub(" ", "" if value is None else _plain(value))
    if any(ch in text for ch in "<>&"):
        # code spans show entities literally: markup-like text goes out as escaped text
        return md_cell(text)
    text = text.replace("|", "\\|")
    longest = max((len(r) for r in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return _markup(f"{fence}{pad}{text}{pad}{fence}") if text else _markup("")


def http_url(value: Any) -> str | None:
    """The value when it is an absolute http(s) URL without spaces or controls, else None."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in text):
        return None
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return text


def md_link(url: Any, text: Any) -> Markup:
    """``[text](url)`` for http(s) URLs; the escaped text alone otherwise."""
    shown = text if text not in (None, "") else url
    safe_url = http_url(url)
    if safe_url is None:
        return md_cell(shown)  # no link: any URL in it goes out as code
    # link text is never auto-linked again (no links inside links): plain escaping
    label = _NEWLINES.sub(" ", _md_escape(_plain(shown)))
    target = quote(safe_url, safe=":/?#[]@!$&'*+,;=%~-._")
    return _markup(f"[{label}]({target})")


def _plain(value: Any) -> str:
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, list | tuple):
        return ", ".join(_plain(v) for v in value)
    if isinstance(value, Mapping):
        return json.dumps(value, sort_keys=True, default=str)
    return str(value)


def _number(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        if value == int(value) and abs(value) < 1e15:
            return str(int(value))
        return (
            f"{value:.4g}" if abs(value) < 1e-3 or abs(value) >= 1e6 else f"{value:.4f}".rstrip("0")
        )
    return str(value)


def _when(value: Any) -> str:
    if not value:
        return "-"
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return moment.strftime("%Y-%m-%d %H:%M:%S") + (" UTC" if moment.utcoffset() is not None else "")


def _seconds(value: Any) -> str:
    if value is None or isinstance(value, bool) or not isinstance(value, int | float):
        return "-"
    if value < 1:
        return f"{value * 1000:.0f} ms"
    if value < 120:
        return f"{value:.1f} s"
    return f"{value / 60:.1f} min"


def _mermaid(graph: Mapping[str, Any]) -> Markup:
    """A Mermaid flowchart of a lineage graph, labels escaped with Mermaid's entity codes."""

    def label(text: str) -> str:
        out = []
        for ch in _NEWLINES.sub(" ", text):
            # brackets too: a label must not read as Markdown link syntax anywhere
            if ch.isalnum() or ch in " .,:/_-=@'":
                out.append(ch)
            else:
                out.append(f"#{ord(ch)};")
        return "".join(out)

    ids = {n["id"]: f"n{i}" for i, n in enumerate(graph["nodes"])}
    lines = ["flowchart TD"]
    for node in graph["nodes"]:
        shape = {"dataset": ('[("', '")]'), "job": ('["', '"]'), "model": ('{{"', '"}}')}
        left, right = shape.get(node["kind"], ('["', '"]'))
        lines.append(
            f"  {ids[node['id']]}{left}{label(node['kind'] + ': ' + node['label'])}{right}"
        )
    for edge in graph["edges"]:
        if edge["source"] in ids and edge["target"] in ids:
            lines.append(f"  {ids[edge['source']]} --> {ids[edge['target']]}")
    return _markup("```mermaid\n" + "\n".join(lines) + "\n```")


def _yaml(value: Mapping[str, Any]) -> Markup:
    import yaml

    text = yaml.safe_dump(
        dict(value), sort_keys=True, allow_unicode=True, default_flow_style=False, width=10**6
    )
    return _markup(text.rstrip("\n"))


def _tojson(value: Any) -> str:
    return json.dumps(value, sort_keys=True, indent=2, allow_nan=False, default=str)


@functools.lru_cache(maxsize=16)
def environment(flavour: Flavour, templates: str | None) -> Environment:
    """The environment of one flavour: ``templates`` (searched first) makes it sandboxed.

    Raises:
        ReportError: ``templates`` is not a directory.
    """
    from jinja2 import (
        ChoiceLoader,
        Environment,
        FileSystemLoader,
        PackageLoader,
        PrefixLoader,
        StrictUndefined,
    )
    from jinja2.loaders import BaseLoader

    from govern.reports.sandbox import SHIPPED, UserTemplateEnvironment

    shipped = PackageLoader("govern.reports", "templates")
    loaders: list[BaseLoader] = []
    if templates is not None:
        if not Path(templates).is_dir():
            raise ReportError(
                f"templates directory {templates} does not exist; set --templates "
                "(or [tool.govern] templates) to a directory of .j2 files"
            )
        # "govern:NAME" is always the shipped NAME (what a same-named override extends)
        loaders.append(PrefixLoader({SHIPPED.rstrip(":"): shipped}, delimiter=":"))
        loaders.append(FileSystemLoader(templates))
    loaders.append(shipped)
    # a directory of the user's templates means untrusted template code: all of it runs
    # sandboxed. The shipped templates alone are govern's own code and render in a plain
    # environment (same autoescaping and filters; data is never evaluated as a template).
    kind = Environment if templates is None else UserTemplateEnvironment
    env = kind(
        loader=ChoiceLoader(loaders),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        {
            "md": md_cell,
            "mdtext": md_text,
            "mdcode": md_code,
            "mdlink": md_link,
            "http_url": http_url,
            "num": _number,
            "when": _when,
            "seconds": _seconds,
            "mermaid": _mermaid,
            "yaml": _yaml,
            "pretty_json": _tojson,
        }
    )
    env.globals["flavour"] = flavour
    return env


def render_template(
    flavour: Flavour, name: str, context: Mapping[str, Any], templates: Path | None
) -> str:
    """Render one template with the context's keys as variables (and ``ctx``, the whole).

    Raises:
        ReportError: the template is missing, malformed, breaks the sandbox or uses a
            variable the context does not have -- naming the template file and line.
    """
    import jinja2
    from jinja2.exceptions import SecurityError

    from govern.errors import GovernError, TemplateLimitError
    from govern.reports.sandbox import render_bounded

    env = environment(flavour, None if templates is None else str(templates))
    variables = {**context, "ctx": context}
    try:
        template = env.get_template(name)
        if templates is None:
            return template.render(variables)
        return render_bounded(template, variables)  # user code: bounded in time and size
    except TemplateLimitError as exc:
        raise TemplateLimitError(f"template {_line(exc, name)}: {exc}") from None
    except jinja2.TemplateSyntaxError as exc:
        where = exc.filename or exc.name or name
        raise ReportError(f"template {where} line {exc.lineno}: {exc.message}") from None
    except jinja2.TemplateNotFound as exc:
        raise ReportError(
            f"template {exc.name} not found (looked in {_where(templates)})"
        ) from None
    except SecurityError as exc:
        raise ReportError(
            f"template {_line(exc, name)}: {exc} (report templates run in a sandbox)"
        ) from None
    except jinja2.UndefinedError as exc:
        raise ReportError(f"template {_line(exc, name)}: {exc.message}") from None
    except jinja2.TemplateError as exc:
        raise ReportError(f"template {_line(exc, name)}: {exc}") from None
    except RecursionError:
        raise ReportError(
            f"template {name}: templates extend, include or call each other in a cycle "
            f"(looked in {_where(templates)}); to extend a shipped template of the same "
            'name use {% extends "' + name + '" %} or "govern:' + name + '"'
        ) from None
    except GovernError:
        raise
    except Exception as exc:  # any error of template code: its place, not a traceback
        raise ReportError(f"template {_line(exc, name)}: {type(exc).__name__}: {exc}") from None


def _where(templates: Path | None) -> str:
    shipped = "the templates shipped with govern"
    return f"{templates} and {shipped}" if templates is not None else shipped


def _line(exc: BaseException, name: str) -> str:
    """``FILE line N`` of the innermost template frame of an error raised while rendering."""
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename.endswith(".j2") or frame.filename == "<template>":
            return f"{frame.filename} line {frame.lineno}"
    return name
