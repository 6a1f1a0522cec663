""" "N reading now" on the desk and the dashboard (issue 14, item 7): every server process
reports its readers of each story (open streams, and polls answered in the last minute) every
LIVE_AUDIENCE_SECONDS; the desk shows the sum of the fresh reports, so a process that stopped
or was killed drops out by itself."""

import re
import time
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from incidents.live.audience import process_name, take_polls
from incidents.models import ReaderCount, Story
from tests.live_server import Server, StreamReader

HTMX = {"HX-Request": "true"}


def readers_now(story):
    return ReaderCount.objects.reading_now([story.pk]).get(story.pk)


def shown_count(response) -> int:
    found = re.search(
        r'<strong class="desk-readers__count">(\d+)</strong> reading now', response.text
    )
    assert found, "no reader count on the page"
    return int(found.group(1))


def desk_url(story):
    return reverse("desk:story", args=[story.slug])


# --- the reports, summed ---------------------------------------------------------------------


def test_two_processes_reports_are_summed(story):
    ReaderCount.objects.report("web-1:101:aa", {story.pk: (3, 0)})
    ReaderCount.objects.report("web-2:202:bb", {story.pk: (2, 0)})

    readers = readers_now(story)

    assert (readers.streams, readers.total) == (5, 5)
    assert ReaderCount.objects.count() == 2


def test_polls_count_as_readers_at_one_per_poll_interval(settings, story):
    settings.LIVE_POLL_SECONDS = 5  # a polling reader asks 12 times a minute
    ReaderCount.objects.report("web-1:101:aa", {story.pk: (1, 12)})
    ReaderCount.objects.report("web-2:202:bb", {story.pk: (0, 13)})  # one reader's polls split

    readers = readers_now(story)

    assert (readers.streams, readers.polls, readers.polling, readers.total) == (1, 25, 3, 4)


def test_a_process_that_stopped_reporting_drops_out(settings, story):
    settings.LIVE_AUDIENCE_FRESH_SECONDS = 45
    with time_machine.travel(timezone.now() - timedelta(seconds=60), tick=False):
        ReaderCount.objects.report("killed:1:aa", {story.pk: (7, 0)})
    ReaderCount.objects.report("alive:2:bb", {story.pk: (2, 0)})

    assert readers_now(story).total == 2
    assert ReaderCount.objects.filter(process="killed:1:aa").exists()  # kept, not counted


def test_a_report_replaces_what_the_process_said_before(story, other_story):
    ReaderCount.objects.report("web-1:101:aa", {story.pk: (4, 0), other_story.pk: (1, 0)})
    ReaderCount.objects.report("web-1:101:aa", {story.pk: (2, 6)})

    assert readers_now(story).streams == 2
    assert readers_now(story).polls == 6
    assert readers_now(other_story) is None
    assert ReaderCount.objects.count() == 1


def test_a_report_with_nobody_left_clears_the_process(story):
    ReaderCount.objects.report("web-1:101:aa", {story.pk: (4, 0)})
    ReaderCount.objects.report("web-1:101:aa", {})

    assert ReaderCount.objects.count() == 0


def test_a_process_silent_for_an_hour_is_forgotten(story):
    with time_machine.travel(timezone.now() - timedelta(hours=2), tick=False):
        ReaderCount.objects.report("gone:1:aa", {story.pk: (7, 0)})
    ReaderCount.objects.report("alive:2:bb", {story.pk: (1, 0)})

    assert list(ReaderCount.objects.values_list("process", flat=True)) == ["alive:2:bb"]


def test_a_story_deleted_since_the_count_is_left_out(story):
    ReaderCount.objects.report("web-1:101:aa", {story.pk: (1, 0), story.pk + 1000: (4, 0)})

    assert list(ReaderCount.objects.values_list("story_id", "streams")) == [(story.pk, 1)]


def test_each_process_has_a_name_of_its_own():
    name = process_name()

    assert name == process_name()
    host, pid, tag = name.rsplit(":", 2)
    assert host and pid.isdigit() and len(tag) == 8


# --- who sees it, where ----------------------------------------------------------------------


@pytest.mark.parametrize("who", ["editor", "reporter"])
def test_editors_and_reporters_see_how_many_read_now(client, request, story, who):
    ReaderCount.objects.report("web-1:101:aa", {story.pk: (3, 0)})
    ReaderCount.objects.report("web-2:202:bb", {story.pk: (1, 0)})
    client.force_login(request.getfixturevalue(who))

    response = client.get(desk_url(story))

    assert response.status_code == 200
    assert shown_count(response) == 4


def test_the_desk_says_how_many_are_on_the_polling_fallback(settings, client, editor, story):
    settings.LIVE_POLL_SECONDS = 5
    ReaderCount.objects.report("web-1:101:aa", {story.pk: (3, 24)})
    client.force_login(editor)

    response = client.get(desk_url(story))

    assert response.status_code == 200
    assert shown_count(response) == 5
    assert "(3 live, about 2 on the slower polling fallback)" in response.text


def test_nobody_reading_shows_zero(client, editor, story):
    client.force_login(editor)

    response = client.get(desk_url(story))

    assert response.status_code == 200
    assert shown_count(response) == 0


def test_the_desks_poll_brings_the_count_up_to_date(client, editor, story):
    client.force_login(editor)
    poll = reverse("desk:changes", args=[story.slug]) + f"?since={story.sequence}"
    before = client.get(poll, headers=HTMX)
    ReaderCount.objects.report("web-1:101:aa", {story.pk: (6, 0)})

    after = client.get(poll, headers=HTMX)

    assert before.status_code == after.status_code == 200
    assert shown_count(before) == 0
    assert shown_count(after) == 6
    assert 'id="desk-readers" hx-swap-oob="true"' in after.text
    assert 'id="desk-changes"' in after.text  # the poll's own region still comes first


def test_the_dashboard_shows_each_storys_readers(client, editor, story, other_story):
    draft = Story.objects.create(headline="Not Yet Public", slug="not-yet-public")
    ReaderCount.objects.report("web-1:101:aa", {story.pk: (3, 0), other_story.pk: (1, 0)})
    ReaderCount.objects.report("web-2:202:bb", {story.pk: (2, 0)})
    client.force_login(editor)

    response = client.get(reverse("desk:dashboard"))

    assert response.status_code == 200
    items = dict(
        re.findall(
            r'<a href="/newsroom/stories/([-a-z0-9]+)/">.*?</a></h3>.*?'
            r'(?:<span class="desk-story__readers">(\d+) reading now</span>|</li>)',
            response.text,
            re.S,
        )
    )
    assert items == {story.slug: "5", other_story.slug: "1", draft.slug: ""}


def test_a_reporter_sees_counts_of_their_own_stories_only(client, reporter, story, other_story):
    ReaderCount.objects.report("web-1:101:aa", {story.pk: (3, 0), other_story.pk: (9, 0)})
    client.force_login(reporter)

    dashboard = client.get(reverse("desk:dashboard"))
    elsewhere = client.get(desk_url(other_story))

    assert dashboard.status_code == 200
    assert '<span class="desk-story__readers">3 reading now</span>' in dashboard.text
    assert "9 reading now" not in dashboard.text
    assert elsewhere.status_code == 403


def test_anonymous_visitors_cannot_see_it(story):
    ReaderCount.objects.report("web-1:101:aa", {story.pk: (3, 0)})
    anonymous = Client()
    poll = reverse("desk:changes", args=[story.slug]) + "?since=0"

    for url in (desk_url(story), reverse("desk:dashboard"), poll):
        response = anonymous.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    article = anonymous.get(story.get_absolute_url())
    assert article.status_code == 200
    assert "reading now" not in article.text


# --- one process counts its own readers ------------------------------------------------------


async def report_now():
    from incidents.live.audience import reporter

    await reporter().report()


@pytest.mark.django_db(transaction=True)
def test_a_process_reports_its_open_streams_and_the_polls_it_answered(asgi, story, other_story):
    take_polls()  # what earlier tests in this process polled
    cursor = f"?cursor={story.sequence}"
    streams = [asgi.open(f"/stories/{story.slug}/events{cursor}") for _ in range(2)]
    asgi.open(f"/stories/{other_story.slug}/events?cursor={other_story.sequence}")
    for _ in range(3):
        poll = asgi.open(f"/stories/{story.slug}/updates?since={story.sequence}")
        asgi.wait_until_finished(poll)
        assert poll.status == 200
    assert asgi.connections() == 3

    asgi.call(report_now())

    rows = {row.story_id: (row.streams, row.polls) for row in ReaderCount.objects.all()}
    assert rows == {story.pk: (2, 3), other_story.pk: (1, 0)}
    assert ReaderCount.objects.get(story=story).process == process_name()

    for stream in streams:
        asgi.disconnect(stream)
    asgi.call(report_now())

    rows = {row.story_id: (row.streams, row.polls) for row in ReaderCount.objects.all()}
    assert rows == {story.pk: (0, 3), other_story.pk: (1, 0)}  # polls of the last minute stay


@pytest.mark.django_db(transaction=True)
def test_polls_of_a_story_that_is_not_public_are_not_counted(asgi, story):
    take_polls()
    draft = Story.objects.create(headline="Not Yet Public", slug="not-yet-public")
    poll = asgi.open(f"/stories/{draft.slug}/updates?since=0")
    asgi.wait_until_finished(poll)

    asgi.call(report_now())

    assert poll.status == 404
    assert ReaderCount.objects.count() == 0


# --- real server processes -------------------------------------------------------------------


def wait_for_count(client, story, expected: int, timeout: float = 10) -> int:
    deadline = time.monotonic() + timeout
    while True:
        response = client.get(desk_url(story))
        assert response.status_code == 200
        count = shown_count(response)
        if count == expected or time.monotonic() > deadline:
            return count
        time.sleep(0.2)


@pytest.mark.django_db(transaction=True)
def test_a_stream_open_on_a_real_server_shows_as_one_reading_now(client, editor, story):
    client.force_login(editor)
    with Server(env={"LIVE_AUDIENCE_SECONDS": "1"}) as server:
        url = f"{server.url}/stories/{story.slug}/events?cursor={story.sequence}"
        reader = StreamReader(url).start()
        assert reader.status == 200

        assert wait_for_count(client, story, 1) == 1

        reader.close()  # the reader leaves: the process's next report says so
        assert wait_for_count(client, story, 0) == 0


# Killing the server breaks its readers' connections, in their threads: that is the point.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
@pytest.mark.django_db(transaction=True)
def test_the_readers_of_a_killed_server_drop_out(settings, client, editor, story):
    settings.LIVE_AUDIENCE_FRESH_SECONDS = 3
    client.force_login(editor)
    with (
        Server(env={"LIVE_AUDIENCE_SECONDS": "1"}) as one,
        Server(env={"LIVE_AUDIENCE_SECONDS": "1"}) as other,
    ):
        path = f"/stories/{story.slug}/events?cursor={story.sequence}"
        readers = [StreamReader(one.url + path).start() for _ in range(2)]
        readers.append(StreamReader(other.url + path).start())
        assert wait_for_count(client, story, 3) == 3  # summed over both processes

        one.kill()  # no goodbye: its rows stay, and stop counting once stale

        assert wait_for_count(client, story, 1) == 1
        assert ReaderCount.objects.filter(streams=2).exists()
        for reader in readers:
            reader.close()
