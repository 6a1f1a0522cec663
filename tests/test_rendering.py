"""What an author's Markdown turns into: the allowlist as a reader sees it, rendered once at save.

The attack corpus lives in tests/test_rendering_xss.py; this module pins the everyday behaviour.
"""

import markdown
import pytest

from incidents.models import Update
from incidents.models import rendered as rendered_module
from incidents.models import story as story_module
from incidents.models import update as update_module
from incidents.rendering import render_markdown

REL = 'rel="nofollow noopener noreferrer"'


def link(href: str, text: str, title: str = "") -> str:
    title_attr = f' title="{title}"' if title else ""
    return f'<a href="{href}"{title_attr} {REL}>{text}</a>'


# --- blocks ---------------------------------------------------------------------------------


def test_blank_lines_separate_paragraphs():
    assert render_markdown("One\n\nTwo") == "<p>One</p>\n<p>Two</p>"


def test_a_single_newline_stays_inside_the_paragraph():
    assert render_markdown("Hello\nworld") == "<p>Hello\nworld</p>"


def test_two_trailing_spaces_make_a_line_break():
    assert render_markdown("line one  \nline two") == "<p>line one<br>\nline two</p>"


def test_block_quotes_keep_their_paragraphs_links_and_lists():
    html = render_markdown("> They said https://example.com/a\n>\n> - one point")

    assert html == (
        "<blockquote>\n"
        f"<p>They said {link('https://example.com/a', 'https://example.com/a')}</p>\n"
        "<ul>\n<li>one point</li>\n</ul>\n"
        "</blockquote>"
    )


def test_a_quote_with_an_attribution_line_after_it_becomes_a_quote_figure():
    html = render_markdown(
        "> We are seeing elevated errors.\n\n"
        "--- Jane Doe, *CTO*, [on Bluesky](https://bsky.app/profile/jane/post/1)\n\n"
        "More text."
    )

    assert html == (
        "<figure>\n"
        '<blockquote cite="https://bsky.app/profile/jane/post/1">\n'
        "<p>We are seeing elevated errors.</p>\n"
        "</blockquote>\n"
        "<figcaption>\u2014 Jane Doe, <em>CTO</em>, "
        f"{link('https://bsky.app/profile/jane/post/1', 'on Bluesky')}</figcaption>\n"
        "</figure>\n"
        "<p>More text.</p>"
    )


@pytest.mark.parametrize("dash", ["\u2014", "\u2013", "--", "---"])
def test_an_attribution_may_be_the_quotes_own_last_paragraph_after_any_dash(dash):
    html = render_markdown(f"> Service is restored.\n>\n> {dash} CloudPay status page")

    assert html == (
        "<figure>\n<blockquote>\n<p>Service is restored.</p>\n</blockquote>\n"
        "<figcaption>\u2014 CloudPay status page</figcaption>\n</figure>"
    )


def test_a_dash_inside_a_one_paragraph_quote_or_away_from_a_quote_attributes_nothing():
    assert render_markdown("> Still down\n> -- and counting") == (
        "<blockquote>\n<p>Still down\n&ndash; and counting</p>\n</blockquote>"
    )
    assert render_markdown("-- a paragraph of its own") == "<p>&ndash; a paragraph of its own</p>"
    assert render_markdown("> quote\n\ntext\n\n-- late") == (
        "<blockquote>\n<p>quote</p>\n</blockquote>\n<p>text</p>\n<p>&ndash; late</p>"
    )


def test_a_quote_source_that_is_not_a_web_link_is_dropped_with_its_link():
    html = render_markdown("> words\n\n-- Someone, [source](javascript:alert(1))")

    assert html == (
        "<figure>\n<blockquote>\n<p>words</p>\n</blockquote>\n"
        "<figcaption>\u2014 Someone, source</figcaption>\n</figure>"
    )


def test_nested_block_quotes():
    assert render_markdown("> > inner") == (
        "<blockquote>\n<blockquote>\n<p>inner</p>\n</blockquote>\n</blockquote>"
    )


def test_bulleted_and_numbered_lists():
    html = render_markdown("- a\n- b\n\n1. one\n2. two")

    assert html == ("<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n<ol>\n<li>one</li>\n<li>two</li>\n</ol>")


def test_nested_lists_use_four_spaces():
    assert render_markdown("- a\n    - nested\n- b") == (
        "<ul>\n<li>a<ul>\n<li>nested</li>\n</ul>\n</li>\n<li>b</li>\n</ul>"
    )


def test_a_numbered_list_does_not_keep_its_starting_number():
    # <ol start> is outside the attribute allowlist, so "3." starts again at 1 for readers.
    assert render_markdown("3. three\n4. four") == "<ol>\n<li>three</li>\n<li>four</li>\n</ol>"


@pytest.mark.parametrize(
    ("source", "html"),
    [("## Two", "<h2>Two</h2>"), ("### Three", "<h3>Three</h3>"), ("#### Four", "<h4>Four</h4>")],
)
def test_headings_two_to_four_are_kept(source, html):
    assert render_markdown(source) == html


@pytest.mark.parametrize(
    ("source", "html"),
    [
        ("# One", "<h2>One</h2>"),
        ("One\n===", "<h2>One</h2>"),
        ("##### Five", "<h4>Five</h4>"),
        ("###### Six", "<h4>Six</h4>"),
    ],
)
def test_markdown_headings_outside_two_to_four_are_clamped_into_that_range(source, html):
    """The page's headline is the only h1; an author's "# Heading" still reads as a heading."""
    assert render_markdown(source) == html


@pytest.mark.parametrize("tag", ["h1", "h5", "h6"])
def test_raw_html_headings_outside_the_allowlist_degrade_to_their_text(tag):
    assert render_markdown(f"<{tag}>Breaking</{tag}>") == "Breaking"


@pytest.mark.parametrize("source", ["---", "***", "___"])
def test_horizontal_rules(source):
    assert render_markdown(source) == "<hr>"


# --- inline ---------------------------------------------------------------------------------


def test_emphasis_strong_and_both():
    assert render_markdown("*em* _em_ **strong** __strong__ ***both***") == (
        "<p><em>em</em> <em>em</em> <strong>strong</strong> <strong>strong</strong> "
        "<strong><em>both</em></strong></p>"
    )


def test_strikethrough_becomes_del_and_single_tildes_stay_text():
    assert render_markdown("~~wrong~~ ~not sub~") == "<p><del>wrong</del> ~not sub~</p>"


def test_smart_punctuation():
    assert render_markdown('Smart "quotes", it\'s -- and...') == (
        "<p>Smart &ldquo;quotes&rdquo;, it&rsquo;s &ndash; and&hellip;</p>"
    )


def test_inline_code_is_escaped_and_not_linkified():
    assert render_markdown("`<b>bold</b> https://example.com`") == (
        "<p><code>&lt;b&gt;bold&lt;/b&gt; https://example.com</code></p>"
    )


def test_fenced_code_is_escaped_and_not_linkified():
    html = render_markdown("```python\nprint('<b>') # https://example.com\n```")

    assert html == (
        "<pre><code>print('&lt;b&gt;') # https://example.com\n</code></pre>"
    )  # the language class is dropped: class is not an allowed attribute


def test_indented_code_is_escaped_and_not_linkified():
    assert render_markdown("    <i>x</i> www.example.com") == (
        "<pre><code>&lt;i&gt;x&lt;/i&gt; www.example.com\n</code></pre>"
    )


# --- links ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "href",
    [
        "http://example.com/a",
        "https://example.com/a?b=1",
        "HTTPS://EXAMPLE.COM/",
        "mailto:desk@example.com",
        "/stories/other/",
        "#update-2",
    ],
)
def test_links_with_safe_urls_are_kept_with_our_rel(href):
    assert render_markdown(f"[read]({href})") == f"<p>{link(href, 'read')}</p>"


def test_link_titles_are_kept():
    assert render_markdown('[read](https://example.com/ "The source")') == (
        f"<p>{link('https://example.com/', 'read', title='The source')}</p>"
    )


def test_formatting_inside_link_text_is_kept():
    assert render_markdown("[**bold** words](https://example.com/)") == (
        f"<p>{link('https://example.com/', '<strong>bold</strong> words')}</p>"
    )


@pytest.mark.parametrize(
    "href",
    [
        "javascript:alert(1)",
        "data:text/html,<b>hi</b>",
        "vbscript:msgbox(1)",
        "file:///etc/passwd",
        "ftp://example.com/file",
    ],
)
def test_links_with_other_schemes_lose_their_href_and_keep_their_text(href):
    assert render_markdown(f"Read [this]({href}) now") == "<p>Read this now</p>"


def test_raw_html_links_are_kept_but_lose_other_attributes_and_get_our_rel():
    source = '<a href="https://example.com/" target="_blank" rel="opener" class="x">x</a>'

    assert render_markdown(source) == f"<p>{link('https://example.com/', 'x')}</p>"


def test_an_anchor_without_href_is_unwrapped():
    assert render_markdown('<a name="top">Top</a>') == "<p>Top</p>"


def test_reference_style_links():
    source = "See [the report][r].\n\n[r]: https://example.com/report"

    assert render_markdown(source) == (
        f"<p>See {link('https://example.com/report', 'the report')}.</p>"
    )


def test_angle_bracket_autolinks():
    assert render_markdown("<https://example.com/>") == (
        f"<p>{link('https://example.com/', 'https://example.com/')}</p>"
    )


def test_email_autolinks_become_mailto_links():
    html = render_markdown("<desk@example.com>")

    # python-markdown obfuscates the address with character references; a browser decodes them.
    assert html.startswith('<p><a href="&#109;&#97;&#105;&#108;&#116;&#111;&#58;')
    assert REL in html


def test_bare_urls_are_linkified_without_trailing_punctuation():
    html = render_markdown("Status: https://example.com/status. Mirror (http://example.org/m).")

    assert html == (
        f"<p>Status: {link('https://example.com/status', 'https://example.com/status')}. "
        f"Mirror ({link('http://example.org/m', 'http://example.org/m')}).</p>"
    )


def test_bare_www_and_domain_names_are_linkified_as_http():
    assert render_markdown("www.example.com or example.org") == (
        f"<p>{link('http://www.example.com', 'www.example.com')} or "
        f"{link('http://example.org', 'example.org')}</p>"
    )


def test_bare_email_addresses_stay_text():
    assert render_markdown("Write to desk@example.com") == "<p>Write to desk@example.com</p>"


def test_bare_urls_with_other_schemes_are_not_linked_with_that_scheme():
    html = render_markdown("ftp://example.com/file")

    assert 'href="ftp:' not in html
    assert html == f"<p>ftp://{link('http://example.com/file', 'example.com/file')}</p>"


def test_urls_inside_links_are_not_linked_twice():
    assert render_markdown("[https://example.com/a](https://example.com/b)") == (
        f"<p>{link('https://example.com/b', 'https://example.com/a')}</p>"
    )


# --- what is not supported ------------------------------------------------------------------


def test_markdown_images_render_as_their_alt_text_only():
    assert render_markdown("Before ![Router lights](https://example.com/r.png) after") == (
        "<p>Before Router lights after</p>"
    )


def test_a_markdown_image_without_alt_text_leaves_nothing():
    assert render_markdown("![](https://example.com/r.png)") == "<p></p>"


def test_raw_html_images_are_removed():
    assert render_markdown('<img src="https://example.com/r.png" alt="x">') == "<p></p>"


def test_raw_html_outside_the_allowlist_is_stripped_to_its_text():
    source = '<span style="color:red">red</span> <u>under</u> <kbd>k</kbd>'

    assert render_markdown(source) == "<p>red under k</p>"


def test_block_html_outside_the_allowlist_is_stripped_to_its_text():
    assert render_markdown("<div class=box>boxed</div>") == "boxed"
    assert render_markdown("<table><tr><td>cell</td></tr></table>") == "cell"


def test_raw_html_inside_the_allowlist_is_kept_without_attributes():
    source = '<strong class="x">s</strong> <em id=e>e</em> <del>d</del> <s>s</s> <b>b</b> <i>i</i>'

    assert render_markdown(source) == (
        "<p><strong>s</strong> <em>e</em> <del>d</del> <s>s</s> <b>b</b> <i>i</i></p>"
    )


def test_script_and_style_tags_are_removed():
    html = render_markdown("<script>alert(1)</script>\n\n<style>p{}</style>\n\nText")

    assert "<script" not in html
    assert "<style" not in html
    assert html.endswith("<p>Text</p>")


def test_html_comments_are_removed():
    assert render_markdown("Before <!-- secret note --> after") == "<p>Before  after</p>"


def test_attr_list_syntax_is_not_honoured():
    html = render_markdown('A paragraph\n{: onclick="alert(1)" .lead #x }')

    assert html == "<p>A paragraph\n{: onclick=&rdquo;alert(1)&rdquo; .lead #x }</p>"


def test_attr_list_on_headings_and_links_stays_literal_text():
    assert render_markdown("## Title {: #anchor .big }") == "<h2>Title {: #anchor .big }</h2>"
    assert render_markdown("[x](https://example.com/){: target=_blank }") == (
        f"<p>{link('https://example.com/', 'x')}{{: target=_blank }}</p>"
    )


def test_md_in_html_is_not_honoured():
    assert render_markdown('<div markdown="1">**not bold**</div>') == "**not bold**"


@pytest.mark.parametrize("source", ["", "   ", "\n\n", " \t\n ", None])
def test_empty_or_blank_input_renders_nothing(source):
    assert render_markdown(source) == ""


# --- rendered once, when saved --------------------------------------------------------------


@pytest.fixture
def count_renders(monkeypatch):
    """Count both our function (as the models call it) and any Markdown conversion at all."""
    calls = {"render_markdown": 0, "markdown": 0}
    real_render = render_markdown
    real_convert = markdown.Markdown.convert

    def counting_render(source):
        calls["render_markdown"] += 1
        return real_render(source)

    def counting_convert(self, source):
        calls["markdown"] += 1
        return real_convert(self, source)

    monkeypatch.setattr(update_module, "render_markdown", counting_render)
    monkeypatch.setattr(story_module, "render_markdown", counting_render)
    monkeypatch.setattr(rendered_module, "render_markdown", counting_render)
    monkeypatch.setattr(markdown.Markdown, "convert", counting_convert)
    return calls


def test_publishing_stores_the_rendered_html(story, editor):
    update = story.publish_update("Engineers say **restored** at https://example.com/s", by=editor)

    stored = Update.objects.get(pk=update.pk)
    assert stored.body_html == (
        "<p>Engineers say <strong>restored</strong> at "
        f"{link('https://example.com/s', 'https://example.com/s')}</p>"
    )


def test_the_article_page_does_not_render_markdown(client, story, editor, count_renders):
    story.publish_update("First *update*", by=editor)
    story.publish_update("Second [link](https://example.com/)", by=editor)
    count_renders.update(render_markdown=0, markdown=0)

    response = client.get(story.get_absolute_url())

    assert response.status_code == 200
    assert "First <em>update</em>" in response.text
    assert link("https://example.com/", "link") in response.text
    assert count_renders == {"render_markdown": 0, "markdown": 0}


def test_the_page_shows_the_stored_html_not_a_fresh_rendering(client, story, editor):
    update = story.publish_update("Original text", by=editor)
    Update.objects.filter(pk=update.pk).update(body_html="<p>Stored marker</p>")

    response = client.get(story.get_absolute_url())

    assert "Stored marker" in response.text
    assert "Original text" not in response.text


def test_publishing_renders_the_body_once(story, editor, count_renders):
    story.publish_update("Once *only*", by=editor)

    assert count_renders["markdown"] == 1


def test_editing_renders_the_new_body_once_and_stores_it(story, editor, count_renders):
    update = story.publish_update("Before", by=editor)
    count_renders.update(render_markdown=0, markdown=0)

    update.edit("After **edit**", by=editor, expected_revision=update.revision)

    assert count_renders["markdown"] == 1
    assert Update.objects.get(pk=update.pk).body_html == "<p>After <strong>edit</strong></p>"


def test_story_intro_is_rendered_at_save(story):
    assert story.intro_html == (
        f"<p>Users first noticed <strong>trouble</strong> at "
        f"{link('https://example.com/first', '9 a.m.')}.</p>"
    )
