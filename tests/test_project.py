"""The project as a whole: checks clean, migrations complete, a coherent demo, safe to reload."""

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.utils.timezone import now

from incidents.demo import DEMO_SLUG, LIVE_DEMO_SLUG
from incidents.models import Story


def test_manage_py_check_is_clean():
    out = StringIO()
    call_command("check", stdout=out)
    assert "System check identified no issues" in out.getvalue()


@pytest.mark.django_db
def test_models_and_migrations_agree():
    call_command("makemigrations", "--check", "--dry-run", stdout=StringIO())


@pytest.mark.django_db
def test_the_demo_loads_once_and_prints_the_login_once():
    first, second = StringIO(), StringIO()

    call_command("load_demo", stdout=first)
    call_command("load_demo", stdout=second)

    assert Story.objects.count() == 2
    story = Story.objects.get(slug=DEMO_SLUG)
    assert story.headline_suffix
    assert list(story.updates.values_list("number", flat=True)) == [1, 2, 3, 4, 5]
    assert story.bylines.get().title == "Infrastructure Reporter"
    assert story.tags.count() >= 3
    assert any("<blockquote" in u.body_html for u in story.updates.all())
    assert all('<a href="https://' in u.body_html for u in story.updates.all())
    assert "password:" in first.getvalue()
    assert "manage.py changepassword editor" in first.getvalue()
    assert "password:" not in second.getvalue()
    assert "already there" in second.getvalue()
    assert User.objects.get(username="editor").groups.filter(name="Editors").exists()


@pytest.mark.django_db
def test_the_demo_has_one_ended_story_and_one_still_live():
    call_command("load_demo", stdout=StringIO())
    moment = now()

    ended = Story.objects.get(slug=DEMO_SLUG)
    ended_updates = list(ended.updates.order_by("number"))
    assert ended.state == Story.State.ENDED
    assert ended_updates[-2].status_label == "resolved"
    assert ended_updates[-1].timestamp < ended.ended_at < moment
    live = Story.objects.get(slug=LIVE_DEMO_SLUG)
    assert live.state == Story.State.LIVE
    live_updates = list(live.updates.order_by("number"))
    assert len(live_updates) >= 3
    assert "resolved" not in {update.status_label for update in live_updates}
    assert live.ended_at is None
    assert moment - timedelta(minutes=15) < live_updates[-1].timestamp < moment
    # The front page lists the running story first.
    front = Client().get("/")
    assert front.status_code == 200
    page = front.content.decode()
    assert page.index(live.headline) < page.index(ended.headline)


@pytest.mark.django_db
def test_the_demo_times_are_relative_to_now_and_agree_with_the_log():
    call_command("load_demo", stdout=StringIO())
    moment = now()

    for story in Story.objects.all():
        updates = list(story.updates.order_by("number"))
        log = list(story.changes.order_by("sequence").values_list("created_at", flat=True))
        # Everything happened within the last few hours, in order, and the log says when.
        assert moment - timedelta(hours=8) < story.published_at < updates[0].timestamp
        assert [u.timestamp for u in updates] == sorted(u.timestamp for u in updates)
        assert updates[-1].timestamp < moment
        assert log == sorted(log)
        assert log[0] == story.published_at
        assert story.last_updated_at == log[-1] >= updates[-1].timestamp
        assert story.has_been_updated
        assert all(u.published_at == u.timestamp for u in updates)


@pytest.mark.django_db
def test_the_demo_keeps_existing_data(editor):
    call_command("load_demo", stdout=StringIO())
    story = Story.objects.get(slug=LIVE_DEMO_SLUG)
    count = story.updates.count()
    story.publish_update("Added by a journalist", by=editor)

    call_command("load_demo", stdout=StringIO())

    assert story.updates.count() == count + 1
    assert Story.objects.count() == 2


def test_the_readme_shows_the_screenshots_the_script_draws():
    from pathlib import Path

    from bench.screenshots import OUT, SHOTS

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    assert "`.venv/bin/python bench/screenshots.py`" in readme
    for name, *_ in SHOTS:
        drawn = OUT / name
        assert f"docs/{name}" in readme
        assert drawn.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", drawn


@pytest.mark.django_db
def test_the_demo_quotes_carry_no_stray_quote_marks(editor):
    """A quote's second line began with "> " after a line join, so readers saw "We are >"."""
    from incidents.demo import load_demo_stories
    from incidents.models import Update

    load_demo_stories(editor)
    quoted = Update.objects.filter(body_html__contains="<blockquote")

    assert quoted.count() >= 2
    for update in quoted:
        assert "&gt;" not in update.body_html, update.body


@pytest.mark.django_db
def test_the_live_demo_has_key_events_and_a_pinned_summary(client):
    call_command("load_demo", stdout=StringIO())
    live = Story.objects.get(slug=LIVE_DEMO_SLUG)

    response = client.get(live.get_absolute_url())

    assert response.status_code == 200
    html = response.content.decode()
    pinned, key_events = live.top_of_article()
    assert len(key_events) >= 2
    assert html.count('class="key-event"') == len(key_events)
    assert pinned is not None
    assert '<section class="summary" aria-labelledby="summary-heading">' in html
    assert "What we know so far:" in html
