"""``govern check --format markdown`` goes to $GITHUB_STEP_SUMMARY: no user-controlled text
(stage, dataset, rule, waiver fields, messages) may become a link, an image, HTML or table
structure. Checked by parsing the output with markdown-it-py (GFM-like: tables and
linkify, as GitHub auto-links bare URLs) and walking its tokens."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime

from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.token import Token

from govern.policies.model import Evaluation, ExpiredWaiver, Verdict, VerdictStatus, Waiver
from govern.policies.render.markdown import cell, render_markdown
from govern.types import Severity
from tests.policies import pipelines as p
from tests.policies.conftest import Result, pack, write_pack

EVIL = "![pixel](https://evil.example/t.png) [Approve](https://evil.example/login)"
HOSTILE = [
    EVIL,
    "<script>alert(1)</script>",
    "a | b || c",
    "`code` and ``more`` \\`",
    "see www.evil.example or mailto:x@evil.example, ana@evil.example",
    "<img src=x onerror=alert(1)>",
    "[ref]: https://evil.example\n[x][ref] *bold* _it_ # h",
    "&lt;b&gt; &#x3C;i&#x3E; \\| \\\\|",
    "<https://evil.example/auto>",
    "line\nbreak\r\nthere",
]
MD = MarkdownIt("gfm-like")  # CommonMark + tables + strikethrough + linkify
OURS_HTML = {"<br>", "<details><summary>", "</details>"}


def tokens(source: str) -> Iterator[Token]:
    for token in MD.parse(source):
        yield token
        yield from token.children or ()


def assert_inert(markdown: str) -> None:
    for token in tokens(markdown):
        assert token.type not in ("link_open", "image", "autolink"), (token, markdown)
        if token.type in ("html_inline", "html_block"):
            content = token.content.strip()
            assert content in OURS_HTML or (
                content.startswith("<details><summary>") and content.endswith("</summary>")
            ), (token, markdown)


def evaluation_with(text: str) -> Evaluation:
    waiver = Waiver(
        rule=text,
        target=text,
        reason=text,
        approver=text,
        expires=date(2030, 1, 1),
        file=text,
        line=3,
    )
    expired = Waiver(
        rule=text,
        target=text,
        reason=text,
        approver=text,
        expires=date(2020, 1, 1),
        file=text,
        line=4,
    )

    def verdict(status: VerdictStatus, severity: Severity = Severity.ERROR) -> Verdict:
        return Verdict(
            rule=text,
            description=text,
            severity=severity,
            target=text,
            status=status,
            message=text,
            file=text,
            line=2,
            waiver=waiver if status is VerdictStatus.WAIVED else None,
        )

    return Evaluation(
        title=text,
        evaluated_at=datetime.now(UTC),
        policies=(text,),
        fail_on=Severity.ERROR,
        verdicts=(
            verdict(VerdictStatus.FAIL),
            verdict(VerdictStatus.FAIL, Severity.WARN),
            verdict(VerdictStatus.WAIVED),
            verdict(VerdictStatus.PASS),
        ),
        expired_waivers=(ExpiredWaiver(expired),),
        runs=(text,),
        not_applicable=(text,),
    )


def table_rows(markdown: str) -> list[list[str]]:
    """Each table row's cells as plain text (what a reader sees), header rows included."""
    rows: list[list[str]] = []
    current: list[str] | None = None
    for token in MD.parse(markdown):
        if token.type == "tr_open":
            current = []
            rows.append(current)
        elif token.type == "inline" and current is not None:
            current.append(_text(token))
        elif token.type == "tr_close":
            current = None
    return rows


def _text(inline: Token) -> str:
    parts = []
    for child in inline.children or ():
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif (child.type == "html_inline" and child.content == "<br>") or child.type in (
            "softbreak",
            "hardbreak",
        ):
            parts.append("\n")
    return "".join(parts)


def test_every_field_of_every_section_is_inert() -> None:
    for text in HOSTILE:
        markdown = render_markdown(evaluation_with(text))
        assert_inert(markdown)
        for row in table_rows(markdown):
            if row[0] in ("rule",):  # header rows
                continue
            assert len(row) in (5, 6), row  # no pipe added or removed a column
            assert text.replace("\r\n", "\n") in row, (row, text)  # shown as written


def test_the_stage_name_from_the_issue_renders_as_text(cli: Callable[..., Result]) -> None:
    # a real store and a real stage whose name is the attack from the issue
    p.run_orders(bad=5, pipeline=EVIL)
    write_pack(
        pack(
            "- {id: q, description: at most 10% quarantined, condition: quarantine_rate, "
            "with: {max_rate: 0.1}}\n"
            "- {id: gates, description: gated, condition: stage_gates}"
        )
    )
    result = cli("check", "--format", "markdown", "--no-record")
    assert result.code == 1, result.err  # 25% quarantined: a violation row names the stage
    assert EVIL in result.out.replace("\\", "") or "evil.example" in result.out
    assert_inert(result.out)
    shown = [c for row in table_rows(result.out) for c in row]
    assert any(EVIL in c for c in shown), shown


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "https://",
                "http://",
                "www.",
                "evil",
                ".example",
                "/x",
                "@",
                "mailto:",
                "!",
                "[",
                "]",
                "(",
                ")",
                "<",
                ">",
                "&",
                ";",
                "#",
                "|",
                "`",
                "\\",
                "*",
                "_",
                " ",
                "\n",
                ":",
                "script",
                "a",
                "é",
                "&lt;",
            ]
        ),
        max_size=30,
    ).map("".join)
)
def test_any_text_in_a_cell_is_shown_verbatim_and_inert(text: str) -> None:
    markdown = f"| h |\n| --- |\n| {cell(text)} |\n"
    assert_inert(markdown)
    rows = table_rows(markdown)
    assert len(rows) == 2, markdown  # the text could not add a row
    shown = rows[1][0]
    assert " ".join(shown.split()) == " ".join(text.split()), markdown
