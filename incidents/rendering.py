"""Markdown source -> sanitized HTML. The one place python-markdown and bleach are called.

Everything an author types goes through `render_markdown`, once, when it is saved; templates mark
only its output safe. bleach gets no more upstream releases, so it stays behind this function and
tests/test_rendering_xss.py guards it with a corpus of known attack vectors.
"""

import re
import threading
import xml.etree.ElementTree as etree
from dataclasses import dataclass
from functools import partial
from html import escape, unescape

import bleach
import markdown
from bleach.linkifier import LinkifyFilter, build_url_re
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

from incidents.social_cards import CARD_BLOCK, card_html, parse_card


class _FitAllowlist(Treeprocessor):
    """Bring what Markdown syntax produces inside the allowlist before bleach sees it, so nothing
    an author typed in good faith silently vanishes: headings are clamped to h2-h4 (the page
    owns h1) and images, which we do not support, become their alt text."""

    HEADINGS = {"h1": "h2", "h5": "h4", "h6": "h4"}

    def run(self, root):
        for parent in list(root.iter()):
            for index, child in reversed(list(enumerate(parent))):
                if child.tag in self.HEADINGS:
                    child.tag = self.HEADINGS[child.tag]
                elif child.tag == "img":
                    _replace_with_text(parent, index, child.get("alt") or "")


def _replace_with_text(parent, index, text):
    child = parent[index]
    text += child.tail or ""
    if index:
        previous = parent[index - 1]
        previous.tail = (previous.tail or "") + text
    else:
        parent.text = (parent.text or "") + text
    parent.remove(child)


# An attribution line: a paragraph that opens with a dash ("—", "–", "--" or "---") and a space.
_ATTRIBUTION = re.compile(r"\s*(?:\u2014|\u2013|-{2,3})[ \t]+(?=\S)")


class _AttributedQuotes(Treeprocessor):
    """A block quote with an attribution line, right after it or as its own last paragraph,
    becomes a quote figure: `<figure><blockquote>…</blockquote><figcaption>— Name, role,
    <a>source</a></figcaption></figure>`. Runs before the inline patterns (priority 20), on the
    text as typed, so the caption's links and emphasis are rendered like any other text."""

    def run(self, root):
        for parent in list(root.iter()):
            for index, child in reversed(list(enumerate(parent))):
                if child.tag == "blockquote":
                    self._attribute(parent, index, child)

    def _attribute(self, parent, index, quote):
        if len(quote) > 1 and _is_attribution(quote[-1]):
            line = quote[-1]
            quote.remove(line)
        elif index + 1 < len(parent) and _is_attribution(parent[index + 1]):
            line = parent[index + 1]
            parent.remove(line)
        else:
            return
        figure = etree.Element("figure")
        figure.tail = quote.tail
        quote.tail = "\n"
        parent[index] = figure
        figure.append(quote)
        caption = etree.SubElement(figure, "figcaption")
        caption.text = "\u2014 " + _ATTRIBUTION.sub("", line.text, count=1)
        caption.extend(list(line))
        caption.tail = "\n"


def _is_attribution(element) -> bool:
    return element.tag == "p" and bool(element.text) and bool(_ATTRIBUTION.match(element.text))


class _CiteSources(Treeprocessor):
    """A quote figure's first link is the quote's source: its `cite`."""

    def run(self, root):
        for figure in root.iter("figure"):
            link = next(figure.find("figcaption").iter("a"), None) if len(figure) == 2 else None
            if link is not None and link.get("href"):
                figure[0].set("cite", link.get("href"))


class _NewsroomExtension(Extension):
    def extendMarkdown(self, md):
        md.treeprocessors.register(_AttributedQuotes(md), "newsroom_attributed_quotes", 25)
        # After the inline patterns (priority 20) have turned ![alt](src) into <img>.
        md.treeprocessors.register(_FitAllowlist(md), "newsroom_fit_allowlist", 5)
        md.treeprocessors.register(_CiteSources(md), "newsroom_cite_sources", 4)


# Deliberately small: no attr_list / md_in_html (they let an author inject attributes), no raw
# HTML passes the sanitizer except what the allowlist below names.
MARKDOWN_EXTENSIONS = [
    _NewsroomExtension(),
    "fenced_code",
    "sane_lists",
    "smarty",
    "pymdownx.tilde",  # ~~strikethrough~~ -> <del>
]
MARKDOWN_EXTENSION_CONFIGS = {"pymdownx.tilde": {"subscript": False}}

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "a", "em", "strong", "b", "i", "code", "pre", "blockquote",
        "ul", "ol", "li", "h2", "h3", "h4", "hr", "del", "s", "figure", "figcaption",
    }
)  # fmt: skip
# A quote's `cite` is a URL: bleach checks it against ALLOWED_PROTOCOLS as it does `href`.
ALLOWED_ATTRIBUTES = {"a": ["href", "title", "rel"], "blockquote": ["cite"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow noopener noreferrer"


def _set_rel(attrs, new=False):
    """Every link gets our rel; an <a> whose href the sanitizer removed (javascript: and the
    like) or that never had one is no link at all, so it is unwrapped to its text."""
    if not attrs.get((None, "href")):
        return None
    attrs[(None, "rel")] = LINK_REL
    return attrs


# Linkify runs after the sanitizer, so what it links is never checked against ALLOWED_PROTOCOLS:
# bleach's default pattern would turn bare "data://..." or "feed://..." text into live links.
_BARE_URL_RE = build_url_re(protocols=["http", "https"])


def _new_cleaner() -> bleach.Cleaner:
    return bleach.Cleaner(
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        protocols=ALLOWED_PROTOCOLS,
        strip=True,
        strip_comments=True,
        filters=[
            partial(
                LinkifyFilter, callbacks=[_set_rel], skip_tags={"pre", "code"}, url_re=_BARE_URL_RE
            )
        ],
    )


# bleach's Cleaner keeps its HTML parser's state between calls, so it is not thread-safe (its own
# docstring: "Create a separate cleaner per thread!"): two renders at once (a preview and a save
# in one server process) broke each other with a 500. One cleaner per thread.
_cleaners = threading.local()


def _cleaner() -> bleach.Cleaner:
    cleaner = getattr(_cleaners, "cleaner", None)
    if cleaner is None:
        cleaner = _cleaners.cleaner = _new_cleaner()
    return cleaner


# --- bounded work ----------------------------------------------------------------------------
# python-markdown is not linear: each inline match rebuilds the text of its paragraph, and an
# unclosed "[" or "(" scans to the paragraph's end (upstream issue #798, "someday-maybe"). So
# "[" * 25_000 + "]" * 25_000 took 168 s. And every link, emphasis or code span costs a fraction
# of a millisecond in python-markdown and bleach, every paragraph or list item a quarter of one.
# We estimate the time in one linear pass and refuse text that would take too long;
# bench/render.py times the heaviest text accepted (`make bench`).

# The characters python-markdown's inline patterns (and smarty's) start from, by weight: an
# unclosed "[" or "(" also scans ahead to the end of its paragraph.
_MARKUP = {char: 1 for char in "]<>)*_`!&~\\\"'"} | {"[": 4, "(": 2}
_TAG_START = re.compile(r"<[A-Za-z/!?]")
# Estimated milliseconds (on the machine `make bench` ran on, with a margin): per character, per
# paragraph / list item / heading, per unit of markup weight, and per unit of markup weight
# times the length of the paragraph it sits in (plus, for each "<" that may open a tag, the
# whole text, which python-markdown's raw-HTML pass rescans for each tag left open).
_MS_PER_CHAR = 0.001
_MS_PER_BLOCK = 0.25
_MS_PER_MARKUP = 0.025
_MS_PER_SPAN = 0.0001
MAX_RENDER_MS = 150
MAX_BLOCKS = 500
MAX_NESTING = 8
_BLOCK_START = re.compile(r"[ \t]*(?:[-*+][ \t]|\d{1,9}[.)][ \t]|#|>)")
_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
_QUOTE_DEPTH = re.compile(r"[ \t]*((?:>[ \t]*)+)")


@dataclass
class _Work:
    spans: int = 0  # markup weight times the length of its paragraph, summed
    markup: int = 0
    blocks: int = 0
    nesting: int = 0  # deepest quote or list

    def estimated_ms(self, length: int) -> float:
        return (
            length * _MS_PER_CHAR
            + self.blocks * _MS_PER_BLOCK
            + self.markup * _MS_PER_MARKUP
            + self.spans * _MS_PER_SPAN
        )


def _work(source: str) -> _Work:
    """Counted line by line, the way python-markdown sees lines: only "\\n" ends one and only
    spaces and tabs are blank. In fenced code, which python-markdown stashes whole, only the
    characters that become entities (the sanitizer's work) count."""
    work = _Work()
    length = markup = 0  # of the paragraph or list item being read
    fence = None
    for line in source.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        blank = not line.strip(" \t")
        if fence is not None:
            if line.strip(" \t").startswith(fence):
                fence = None
            work.markup += sum(line.count(char) for char in '<>&"')
            continue
        opening = _FENCE.match(line)
        block_start = _BLOCK_START.match(line)
        if blank or block_start or opening:
            work.spans += length * markup
            length = markup = 0
        if opening:
            fence = opening.group(1)
        if opening or blank:
            work.blocks += bool(opening)
            continue
        if not length:
            work.blocks += 1
        if block_start:
            indent = len(line) - len(line.lstrip(" \t").lstrip(">").lstrip(" \t"))
            quotes = _QUOTE_DEPTH.match(line)
            depth = quotes.group(1).count(">") if quotes else 0
            work.nesting = max(work.nesting, depth, indent // 4)
        line_markup = sum(_MARKUP.get(char, 0) for char in line)
        line_markup += line.count("--") + line.count("..")  # smarty's dashes and ellipses
        line_markup += line.count("://") + line.count("www.")  # bare links bleach turns to <a>
        length += len(line) + 1
        markup += line_markup
        work.markup += line_markup
    work.spans += length * markup + len(_TAG_START.findall(source)) * len(source)
    return work


def markdown_problem(source: str) -> str:
    """Why this Markdown would take too long to render, in words for its author; "" if it is
    fine. Linear in the length of `source`. Models call it to refuse such a body on the field."""
    source = source or ""
    work = _work(source)
    if work.nesting > MAX_NESTING:
        return (
            f"Quotes and lists can be nested at most {MAX_NESTING} deep; "
            f"this text goes {work.nesting} deep."
        )
    if work.blocks > MAX_BLOCKS:
        return (
            f"This text has {work.blocks:,} paragraphs, list items and headings; the most is "
            f"{MAX_BLOCKS:,}. Split it into several updates."
        )
    if work.estimated_ms(len(source)) > MAX_RENDER_MS:
        return (
            "This text has too much formatting to be shown safely: too many links, list items "
            "or symbols such as [ ] ( ) * _ < > ` ! and quote marks, or long paragraphs full "
            "of them. Split it into several updates, break long paragraphs up with blank "
            "lines, or remove stray symbols."
        )
    return ""


def _as_plain_text(source: str) -> str:
    """Text whose Markdown is refused, shown as it was typed: escaped, in paragraphs."""
    paragraphs = (part.strip() for part in re.split(r"\n[ \t]*\n", source))
    return "\n".join(
        "<p>" + escape(part, quote=False).replace("\n", "<br>\n") + "</p>"
        for part in paragraphs
        if part
    )


# Where a social-post card goes, while the rest of the text is rendered and sanitized: the card
# is built by incidents/social_cards.py with every value escaped, and put in afterwards. Private-
# use characters, taken out of the author's text first, so no text can name a card.
CARD_START, CARD_END = "\ue002", "\ue003"
_CARD_PLACE = re.compile(f"<p>{CARD_START}([0-9]+){CARD_END}</p>")


def render_markdown(source: str) -> str:
    """Render an author's Markdown to HTML that is safe to show any reader, in bounded time:
    Markdown that `markdown_problem` refuses is shown as plain text instead."""
    if markdown_problem(source):
        return _as_plain_text(source)
    cards = []

    def set_card_aside(block):
        card, _ = parse_card(block.group("content"))
        if card is None:  # refused on save; a preview shows it as the code block it is
            return block.group(0)
        cards.append(card_html(card))
        return f"\n\n{CARD_START}{len(cards) - 1}{CARD_END}\n\n"

    source = (source or "").translate({ord(CARD_START): None, ord(CARD_END): None})
    html = markdown.markdown(
        CARD_BLOCK.sub(set_card_aside, source),
        extensions=MARKDOWN_EXTENSIONS,
        extension_configs=MARKDOWN_EXTENSION_CONFIGS,
        output_format="html",
    )
    html = _cleaner().clean(html).strip()
    return _CARD_PLACE.sub(lambda place: cards[int(place.group(1))], html) if cards else html


# Characters never kept in searchable text: NUL and other controls, and the two private-use
# characters the search marks its matches with (incidents/search.py), so that a writer's text can
# never open or close a highlight.
MATCH_START, MATCH_END = "\ue000", "\ue001"
_UNSEARCHABLE = {code: " " for code in (*range(32), 127, ord(MATCH_START), ord(MATCH_END))}
# Tags that end a run of text (a paragraph, an item, a cell); any other tag sits inside a word's
# run ("<a>CloudPay</a>," reads "CloudPay,").
_BLOCK_TAG = re.compile(
    r"</?(?:p|br|hr|li|ul|ol|dl|dt|dd|h[1-6]|blockquote|figure|figcaption|pre|table|thead|tbody|tr|th|td|div)\b[^>]*>"
)
_TAG = re.compile(r"<[^>]*>")


def searchable_text(rendered_html: str) -> str:
    """HTML this module rendered, as one line of plain text for the search index: entities become
    characters again (so "&lt;b&gt;" is "<b>": escape it wherever it is shown)."""
    text = _TAG.sub("", _BLOCK_TAG.sub(" ", rendered_html))
    return " ".join(unescape(text).translate(_UNSEARCHABLE).split())


# Where the first line of rendered HTML ends, and a sentence inside it: a full stop, question or
# exclamation mark (and any closing quote or bracket) before a space and a capital or a digit.
_FIRST_LINE_END = re.compile(r"</(?:p|h[1-6]|li|blockquote|pre)>|<br\s*/?>|<hr\b")
_FIRST_SENTENCE = re.compile(r"(.+?[.!?][\"'”’)]*)\s+(?=[\"'“‘(]?[A-Z0-9])")


def first_sentence(rendered_html: str, limit: int) -> str:
    """The first sentence of the first line of HTML this module rendered, as plain text of at
    most `limit` characters (cut at a word, with an ellipsis). Escape it wherever it is shown."""
    text = searchable_text(_FIRST_LINE_END.split(rendered_html, maxsplit=1)[0])
    sentence = _FIRST_SENTENCE.match(text)
    if sentence:
        text = sentence[1]
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:-–—") + "…"
