"""Markdown source -> sanitized HTML. The one place python-markdown and bleach are called.

Everything an author types goes through `render_markdown`, once, when it is saved; templates mark
only its output safe. bleach gets no more upstream releases, so it stays behind this function and
tests/test_rendering_xss.py guards it with a corpus of known attack vectors.
"""

from functools import partial

import bleach
import markdown
from bleach.linkifier import LinkifyFilter

# Deliberately small: no attr_list / md_in_html (they let an author inject attributes), no raw
# HTML passes the sanitizer except what the allowlist below names.
MARKDOWN_EXTENSIONS = [
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
    href_key = (None, "href")
    if href_key not in attrs:
        return attrs
    attrs[(None, "rel")] = LINK_REL
    return attrs


_cleaner = bleach.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    protocols=ALLOWED_PROTOCOLS,
    strip=True,
    strip_comments=True,
    filters=[partial(LinkifyFilter, callbacks=[_set_rel], skip_tags={"pre", "code"})],
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
