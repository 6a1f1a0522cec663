"""The project as a whole: checks clean, migrations complete, the demo loads safely twice."""

from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from incidents.demo import DEMO_SLUG
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

    story = Story.objects.get(slug=DEMO_SLUG)
    assert story.state == Story.State.LIVE
    assert story.headline_suffix
    assert list(story.updates.values_list("number", flat=True)) == [1, 2, 3, 4, 5]
    assert story.bylines.get().title == "Infrastructure Reporter"
    assert story.tags.count() >= 3
    assert any("<blockquote>" in u.body_html for u in story.updates.all())
    assert all('<a href="https://' in u.body_html for u in story.updates.all())
    assert "password:" in first.getvalue()
    assert "password:" not in second.getvalue()
    assert "already there" in second.getvalue()
    assert User.objects.get(username="editor").groups.filter(name="Editors").exists()


@pytest.mark.django_db
def test_the_demo_keeps_existing_data(editor):
    call_command("load_demo", stdout=StringIO())
    story = Story.objects.get(slug=DEMO_SLUG)
    story.publish_update("Added by a journalist", by=editor)

    call_command("load_demo", stdout=StringIO())

    assert story.updates.count() == 6
