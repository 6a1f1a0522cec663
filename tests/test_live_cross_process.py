"""Live delivery across server processes: write through one server, read on another.

Two real uvicorn servers share the test database (one SQLite file, or PostgreSQL): on SQLite
each process's hub polls the story sequences, on PostgreSQL it hears NOTIFY.
"""

import httpx
import pytest

from incidents.models import ApiToken
from tests.live_server import Server, StreamReader

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def servers():
    with Server() as writer_side, Server(workers=2) as reader_side:
        yield writer_side, reader_side


def test_an_update_written_through_one_server_reaches_readers_of_another(servers, story, editor):
    writer_side, reader_side = servers
    _, token = ApiToken.issue(editor, name="cross-process test")
    cursor = story.sequence
    url = f"/stories/{story.slug}/events?cursor={cursor}"
    readers = [StreamReader(reader_side.url + url).start() for _ in range(6)]
    local_reader = StreamReader(writer_side.url + url).start()

    response = httpx.post(
        f"{writer_side.url}/api/v1/stories/{story.slug}/updates",
        json={"body": "Written through the *other* server."},
        headers={"Authorization": f"Bearer {token}"},
    )

    assert response.status_code == 201, response.text
    for reader in [*readers, local_reader]:
        event = reader.next_event(timeout=5)
        assert reader.status == 200
        assert (event.id, event.event) == (str(cursor + 1), "published")
        assert "Written through the <em>other</em> server." in event.data
        reader.close()


def test_a_reader_of_another_server_replays_what_it_missed(servers, story, editor):
    writer_side, reader_side = servers
    cursor = story.sequence
    story.publish_update("Missed one", by=editor)
    story.publish_update("Missed two", by=editor)

    reader = StreamReader(
        f"{reader_side.url}/stories/{story.slug}/events",
        headers={"Last-Event-ID": str(cursor)},
    ).start()
    first, second = reader.next_event(), reader.next_event()
    story.publish_update("Live three", by=editor)
    third = reader.next_event()
    reader.close()

    assert [first.id, second.id, third.id] == [str(cursor + n) for n in (1, 2, 3)]
    assert "Missed one" in first.data and "Missed two" in second.data
    assert "Live three" in third.data
