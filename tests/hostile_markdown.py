"""Hostile and heavy Markdown, each at any length: tests check every one renders safely or is
refused; bench/render.py times the worst at the longest body an update may have."""

from collections.abc import Callable


def _repeat(unit: str) -> Callable[[int], str]:
    return lambda n: (unit * (n // len(unit) + 1))[:n]


def _nested_brackets(n: int) -> str:
    depth = (n - 1) // 5
    return "[" * depth + "a" + "](b)" * depth


def _nested_list(n: int) -> str:
    lines, depth = [], 0
    while sum(map(len, lines)) < n:
        lines.append("    " * (depth % 60) + "- a\n")
        depth += 1
    return "".join(lines)[:n]


def _links_paragraphs(n: int) -> str:
    paragraph = "A sentence with a [link](https://example.com/a), then another sentence. " * 4
    return _repeat(paragraph + "\n\n")(n)


CORPUS: dict[str, Callable[[int], str]] = {
    # Square brackets and links: python-markdown scans to the paragraph's end for each "[".
    "bracket runs": lambda n: "[" * (n // 2) + "]" * (n - n // 2),
    "open brackets": lambda n: "[" * n,
    "unclosed links": _repeat("[a]("),
    "nested links": _nested_brackets,
    "image openers": _repeat("!["),
    "reference links": _repeat("[a][b]"),
    "link closers": _repeat("]("),
    "links in one paragraph": _repeat("[a](https://example.com/) "),
    # Emphasis.
    "asterisk run": lambda n: "*" * n,
    "underscore run": lambda n: "_" * n,
    "asterisk words": _repeat("*a "),
    "strong openers": _repeat("**a"),
    "mixed emphasis": _repeat("*_"),
    "strikethrough": _repeat("~~a"),
    # Blocks.
    "deep quote": lambda n: ">" * n,
    "quoted lines": _repeat("> " * 20 + "a\n"),
    "long list": _repeat("- a\n"),
    "numbered list": _repeat("1. a\n"),
    "nested list": _nested_list,
    "headings": _repeat("# a\n"),
    "many paragraphs": _repeat("a\n\n"),
    # Lines and code.
    "long line without spaces": lambda n: "a" * n,
    "long url": lambda n: "https://example.com/" + "a" * (n - 20),
    "backtick run": lambda n: "`" * n,
    "backtick pairs": _repeat("`a"),
    "fenced code": lambda n: ("```\n" + _repeat("[*_<`!&\n")(n - 8) + "\n```")[:n],
    # HTML and entities.
    "tag run": _repeat("<b>"),
    "open tags": _repeat("<a "),
    "angle brackets": lambda n: "<" * n,
    "autolinks": _repeat("<http://a"),
    "bare urls": _repeat("http://a.b/ "),
    "entities": _repeat("&#"),
    "tag paragraphs": _repeat("<b>x</b>\n\n"),
    # Smart punctuation.
    "quote marks": _repeat("\"a'"),
    "dashes and dots": _repeat("--..."),
    # Mixed.
    "mixed symbols": _repeat("[*_`<a ](> "),
    "ordinary long update": _links_paragraphs,
    "ordinary prose": _repeat("The quick brown fox jumps over the lazy dog. "),
}
