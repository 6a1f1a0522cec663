"""Many people at once: numbers stay gapless and unique, concurrent edits never lose a revision.

These run on whichever database the suite runs on; CI runs them on SQLite and on PostgreSQL."""

import threading

import pytest
from django.db import close_old_connections, connection

from incidents.models import Change, StaleRevision
from incidents.rendering import render_markdown
from tests.conftest import make_story, make_user
from tests.test_rendering_xss import MARKDOWN, RAW_HTML

pytestmark = pytest.mark.django_db(transaction=True)


def run_together(workers: int, work) -> list[BaseException]:
    """Start `workers` threads that call work(i) at the same moment; return their exceptions."""
    barrier = threading.Barrier(workers)
    errors: list[BaseException] = []

    def run(i):
        try:
            barrier.wait()
            work(i)
        except BaseException as error:  # noqa: BLE001 - reported by the test
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return errors


def test_twenty_writers_publishing_25_updates_each_get_1_to_500():
    story = make_story(headline="Everyone Publishes At Once")
    writers = [make_user(f"writer{i}", editor=True) for i in range(20)]
    close_old_connections()

    def publish_25(i):
        for n in range(25):
            story.publish_update(f"Writer {i}, update {n}", by=writers[i])

    errors = run_together(20, publish_25)

    assert errors == []
    numbers = list(story.updates.order_by("number").values_list("number", flat=True))
    assert numbers == list(range(1, 501))
    bodies = set(story.updates.values_list("body", flat=True))
    assert len(bodies) == 500
    sequences = list(story.changes.order_by("sequence").values_list("sequence", flat=True))
    assert sequences == list(range(sequences[0], sequences[0] + len(sequences)))
    assert story.changes.filter(kind=Change.Kind.PUBLISHED).count() == 500


def test_concurrent_edits_of_one_update_one_wins_the_rest_conflict():
    story = make_story(headline="Everyone Edits At Once")
    editors = [make_user(f"editor{i}", editor=True) for i in range(8)]
    update = story.publish_update("Original text", by=editors[0])
    outcomes = []

    def edit(i):
        try:
            update.edit(f"Text from editor {i}", by=editors[i], expected_revision=1)
            outcomes.append(("saved", i))
        except StaleRevision:
            outcomes.append(("conflict", i))

    errors = run_together(8, edit)

    assert errors == []
    saved = [i for kind, i in outcomes if kind == "saved"]
    assert len(saved) == 1
    assert len(outcomes) == 8
    update.refresh_from_db()
    assert update.revision == 2
    assert update.body == f"Text from editor {saved[0]}"
    assert list(update.revisions.values_list("revision", "body")) == [(1, "Original text")]


def test_a_chain_of_edits_from_fresh_revisions_keeps_every_text():
    story = make_story(headline="Edits In Turn")
    editor = make_user("turns", editor=True)
    update = story.publish_update("r1", by=editor)

    def edit_until_saved(i):
        while True:
            current = type(update).objects.get(pk=update.pk)
            try:
                current.edit(f"text {i}", by=editor, expected_revision=current.revision)
                return
            except StaleRevision:
                continue

    errors = run_together(6, edit_until_saved)

    assert errors == []
    update.refresh_from_db()
    assert update.revision == 7
    kept = list(update.revisions.order_by("revision").values_list("revision", flat=True))
    assert kept == [1, 2, 3, 4, 5, 6]


def test_renders_at_the_same_moment_in_many_threads_each_give_the_one_safe_html():
    """A server process renders Markdown on several threads at once (a preview and a save, two
    editors). Each render must give what it gives alone: bleach's cleaner keeps its parser's
    state, and one shared between threads broke renders with IndexError, a 500 on the desk."""
    bodies = [
        "\n\n".join(source for _, source in RAW_HTML + MARKDOWN),
        "**bold _both* ends_** <b><i>misnested</b></i> <p>open <div>block</p></div> " * 40,
        "> quote with [a link](https://example.com) and `code` and <a href=x>raw</a>\n\n" * 30,
    ]
    alone = [render_markdown(body) for body in bodies]
    wrong = []

    def render(i):
        for n in range(30):
            which = (i + n) % len(bodies)
            if render_markdown(bodies[which]) != alone[which]:
                wrong.append(which)

    errors = run_together(8, render)

    assert all(alone)
    assert errors == []
    assert wrong == []
