"""Markdown source -> sanitized HTML. The one place python-markdown and bleach are called.

Everything an author types goes through `render_markdown`, once, when it is saved; templates mark
only its output safe. bleach gets no more upstream releases, so it stays behind this function and
tests/test_rendering_xss.py guards it with a corpus of known attack vectors.
"""

from functools import partial

import bleach
import markdown
from bleach.linkifier import LinkifyFilter, build_url_re
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor


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


class _NewsroomExtension(Extension):
    def extendMarkdown(self, md):
        # After the inline patterns (priority 20) have turned ![alt](src) into <img>.
        md.treeprocessors.register(_FitAllowlist(md), "newsroom_fit_allowlist", 5)


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
        "ul", "ol", "li", "h2", "h3", "h4", "hr", "del", "s",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": ["href", "title", "rel"]}
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


_cleaner = bleach.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    protocols=ALLOWED_PROTOCOLS,
    strip=True,
    strip_comments=True,
    filters=[
        partial(LinkifyFilter, callbacks=[_set_rel], skip_tags={"pre", "code"}, url_re=_BARE_URL_RE)
    ],
)


def render_markdown(source: str) -> str:
    """Render an author's Markdown to HTML that is safe to show any reader."""
    html = markdown.markdown(
        source or "",
        extensions=MARKDOWN_EXTENSIONS,
        extension_configs=MARKDOWN_EXTENSION_CONFIGS,
        output_format="html",
    )
    return _cleaner.clean(html).strip()
