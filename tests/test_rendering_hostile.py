"""Hostile Markdown is rendered safely in bounded time, or refused with a message its author
understands (issue 10, finding 1). Times are measured by bench/render.py, not here: these tests
pin what is refused, what is accepted, and that both render safely."""

import pytest

from incidents.rendering import (
    MAX_BLOCKS,
    MAX_NESTING,
    markdown_problem,
    render_markdown,
)
from tests.hostile_markdown import CORPUS
from tests.test_rendering_xss import MARKDOWN, RAW_HTML, assert_cannot_run_script

MAX_CHARS = 50_000  # settings.UPDATE_MAX_CHARS
SHAPES = [pytest.param(make, id=name) for name, make in CORPUS.items()]


# --- the reported bodies ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        pytest.param("[" * 25_000 + "]" * 25_000, id="bracket-run-168-seconds"),
        pytest.param("[" * 2_000 + "]" * 2_000, id="bracket-run-1-second"),
        pytest.param("[a](" * 12_500, id="unclosed-links"),
        pytest.param("[" * 5000 + "a" + "](b)" * 5000, id="nested-links"),
        pytest.param("[" * 12_000 + "]" * 12_000, id="the-24000-character-draft"),
    ],
)
def test_the_reported_bracket_bodies_are_refused_with_a_message(source):
    problem = markdown_problem(source)

    assert "too much formatting" in problem
    assert "[ ]" in problem


def test_a_refused_body_is_shown_as_the_text_that_was_typed():
    source = "[" * 3000 + "]" * 3000 + "\n\n<b>bold?</b> & *stars*"

    assert render_markdown(source) == (
        "<p>" + "[" * 3000 + "]" * 3000 + "</p>\n<p>&lt;b&gt;bold?&lt;/b&gt; &amp; *stars*</p>"
    )


@pytest.mark.parametrize("separator", ["\n\u3000\n", "\u2028- ", "\x0c- ", "\n\u00a0\n"])
def test_brackets_cannot_hide_behind_what_only_looks_like_a_new_paragraph(separator):
    """python-markdown ends lines only at "\\n" and sees only spaces and tabs as blank."""
    source = separator.join(["[" * 400] * 40)

    assert "too much formatting" in markdown_problem(source)


def test_quotes_and_lists_nested_too_deep_are_refused():
    assert markdown_problem("> " * MAX_NESTING + "fine") == ""
    assert "nested at most" in markdown_problem("> " * (MAX_NESTING + 1) + "too deep")
    nested_list = "".join("    " * level + "- item\n" for level in range(MAX_NESTING + 2))
    assert "nested at most" in markdown_problem(nested_list)


def test_too_many_paragraphs_or_list_items_are_refused():
    assert markdown_problem("- item\n" * 300) == ""
    assert f"the most is {MAX_BLOCKS}" in markdown_problem("- item\n" * (MAX_BLOCKS + 1))
    assert "paragraphs" in markdown_problem("Short.\n\n" * (MAX_BLOCKS + 1))


def test_a_long_list_of_links_is_refused_by_its_cost():
    """Each link costs python-markdown and the sanitizer a fraction of a millisecond: 450 list
    items of six links each took 0.8 s though each item is short."""
    assert "too much formatting" in markdown_problem(("- " + "[a](b) " * 6 + "\n") * 450)
    assert markdown_problem(("- " + "[a](b) " * 6 + "\n") * 40) == ""


def test_fenced_code_does_not_count_as_formatting():
    code = "```\n" + "if (a[i] < b[j] && *p) { x = `y`; }\n" * 1000 + "```"

    assert markdown_problem(code) == ""
    assert render_markdown(code).startswith("<pre><code>if (a[i] &lt; b[j]")


# --- everyday updates are never refused -------------------------------------------------------


def test_a_long_everyday_update_is_accepted():
    prose = "Engineers said the status page would be updated within the hour, they said. " * 5
    paragraph = prose + "**Example Corp** has [a status page](https://status.example.com/)."
    body = "\n\n".join([paragraph] * 88 + ["- one\n- two\n\n> quoted *words*\n\n## Next"])

    assert len(body) > 39_000
    assert markdown_problem(body) == ""
    assert "<strong>Example Corp</strong>" in render_markdown(body)


def test_a_richly_formatted_update_of_a_few_thousand_words_is_accepted():
    paragraph = (
        "Engineers at **Example Corp** said the [status page](https://status.example.com/) "
        'would be updated "within the hour" -- the third delay today... `api-7` is down.'
    )
    body = "\n\n".join([paragraph] * 100)

    assert len(body) > 16_000
    assert markdown_problem(body) == ""


def test_the_demo_stories_are_accepted():
    from incidents import demo

    texts = demo.TEXTS
    assert len(texts) > 10
    for text in texts:
        assert markdown_problem(text) == ""


# --- the corpus: each shape, short and at the longest, renders safely or is refused ------------


@pytest.mark.parametrize("length", [40, 4_000, MAX_CHARS])
@pytest.mark.parametrize("make", SHAPES)
def test_every_hostile_shape_renders_safely_or_is_refused(make, length):
    source = make(length)
    problem = markdown_problem(source)
    html = render_markdown(source)

    assert problem == "" or problem.endswith(".")
    assert_cannot_run_script(html)
    if source.strip("\n"):
        assert html.startswith("<")


@pytest.mark.parametrize("vector", [source for _, source in RAW_HTML + MARKDOWN][::3])
def test_attack_vectors_inside_a_refused_body_still_cannot_run_script(vector):
    source = vector + "\n\n" + "[" * 3000 + "\n\n" + vector

    assert markdown_problem(source)
    html = render_markdown(source)

    assert html.startswith("<p>")
    assert_cannot_run_script(html)
