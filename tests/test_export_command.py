"""`manage.py export_story`: one story to stdout or a file, or every public story to a folder."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from incidents.models import Story
from tests.conftest import make_story
from tests.timelines import DRAFT_BODY, HEADLINE, build_timeline


@pytest.fixture
def timeline(editor):
    return build_timeline(editor)


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("export_story", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_exports_one_story_as_html_to_stdout(timeline):
    out, _ = run("cloudpay-outage")
    assert out.startswith("<!DOCTYPE html>")
    assert 'id="update-3"' in out
    assert DRAFT_BODY not in out


def test_writes_to_the_file_named_with_o(timeline, tmp_path):
    target = tmp_path / "archive.html"
    out, err = run("cloudpay-outage", "-o", str(target))
    assert out == ""
    assert f"Wrote {target} (html" in err
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_output_extension_chooses_the_format(timeline, tmp_path):
    run("cloudpay-outage", "-o", str(tmp_path / "story.md"))
    run("cloudpay-outage", "-o", str(tmp_path / "story.json"))
    assert (tmp_path / "story.md").read_text().startswith(f"# {HEADLINE}")
    assert json.loads((tmp_path / "story.json").read_text())["story"]["slug"] == "cloudpay-outage"


def test_format_option_wins_over_the_extension(timeline, tmp_path):
    run("cloudpay-outage", "--format", "md", "-o", str(tmp_path / "story.txt"))
    assert (tmp_path / "story.txt").read_text().startswith(f"# {HEADLINE}")
    out, _ = run("cloudpay-outage", "--format", "json")
    assert json.loads(out)["story"]["headline"] == HEADLINE


def test_base_url_makes_links_back_to_the_live_story(timeline):
    out, _ = run("cloudpay-outage", "--format", "json", "--base-url", "https://news.example.com/")
    story = json.loads(out)["story"]
    assert story["url"] == "https://news.example.com/stories/cloudpay-outage/"


def test_all_writes_every_public_story_into_the_directory_with_progress(editor, tmp_path):
    build_timeline(editor)
    make_story(headline="Rail Signals Fail")
    make_story(headline="Secret Draft", state=Story.State.DRAFT)
    target = tmp_path / "archive" / "nested"
    out, err = run("--all", "--dir", str(target))
    assert sorted(p.name for p in target.iterdir()) == [
        "cloudpay-outage.html",
        "rail-signals-fail.html",
    ]
    assert out == ""
    assert "[" + "." * 30 + "] 0/2 cloudpay-outage" in err
    assert "[" + "#" * 15 + "." * 15 + "] 1/2 rail-signals-fail" in err
    assert "[" + "#" * 30 + "] 2/2 done" in err
    assert f"Exported 2 stories to {target}" in err


def test_all_in_markdown(editor, tmp_path):
    build_timeline(editor)
    run("--all", "--dir", str(tmp_path), "--format", "md")
    assert [p.name for p in tmp_path.iterdir()] == ["cloudpay-outage.md"]


def test_all_with_no_public_stories_says_so(db, tmp_path):
    make_story(headline="Secret Draft", state=Story.State.DRAFT)
    _, err = run("--all", "--dir", str(tmp_path))
    assert "No public stories to export." in err
    assert list(tmp_path.iterdir()) == []


def test_unknown_slug_is_a_clear_error(db):
    with pytest.raises(CommandError, match="No story with the slug “nope”"):
        run("nope")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "Name the story to export"),
        (("--all",), "--all needs --dir DIR"),
        (("some-slug", "--all", "--dir", "x"), "not both"),
        (("some-slug", "--dir", "x"), "--dir goes with --all"),
    ],
)
def test_wrong_combinations_are_clear_errors(db, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)


def test_unknown_format_is_refused(timeline):
    with pytest.raises(CommandError, match="invalid choice: 'pdf'"):
        run("cloudpay-outage", "--format", "pdf")


def test_unwritable_output_is_a_clear_error(timeline, tmp_path):
    with pytest.raises(CommandError, match="Could not write"):
        run("cloudpay-outage", "-o", str(tmp_path / "missing-dir" / "story.html"))
