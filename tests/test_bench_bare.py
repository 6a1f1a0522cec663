"""The benchmark's own parts that decide its verdicts, checked without servers: the bare relay
it compares the product with (bench/bare.py), and the count of events each reader received
(bench/fanout.py), which must show a missing or a repeated one."""

import asyncio

import pytest
from django.test import AsyncRequestFactory

from bench import bare
from bench.fanout import Reader, delivery
from bench.run import options


def test_bare_frame_is_an_sse_event_with_a_data_line_per_line():
    frame = bare.frame(7, "<p>one</p>\r\n<p>two</p>\n")

    assert frame == b"id: 7\nevent: update\ndata: <p>one</p>\ndata: <p>two</p>\n\n"


def test_bare_relay_sends_retry_then_each_published_frame(monkeypatch):
    monkeypatch.setattr(bare, "streams", set())
    monkeypatch.setattr(bare, "published", 0)
    factory = AsyncRequestFactory()

    async def follow():
        response = await bare.events(factory.get("/events?cursor=3"))
        stream = aiter(response)
        first = await anext(stream)
        answers = [
            await bare.publish(factory.post("/publish", f"<p>{n}</p>", content_type="text/html"))
            for n in (1, 2)
        ]
        frames = [await anext(stream), await anext(stream)]
        return response, first, answers, frames

    response, first, answers, frames = asyncio.run(follow())

    assert response.status_code == 200
    assert response["Content-Type"] == "text/event-stream"
    assert first == b"retry: 2000\n\n"
    assert [answer.status_code for answer in answers] == [204, 204]
    assert frames == [bare.frame(1, "<p>1</p>"), bare.frame(2, "<p>2</p>")]


def test_bare_publish_refuses_get():
    response = asyncio.run(bare.publish(AsyncRequestFactory().get("/publish")))

    assert response.status_code == 405
    assert response["Allow"] == "POST"


def reader_with(*chunks: tuple[float, bytes]) -> Reader:
    reader = Reader(b"", None)
    reader.chunks = list(chunks)
    return reader


def test_an_event_split_across_reads_is_timed_by_the_read_that_completes_it():
    reader = reader_with(
        (1.0, b"retry: 2000\n\nid: 5\nevent: update\ndata: <p>fi"),
        (2.0, b"ve</p>\n\n: heartbeat\n\nid: 6\nevent: update\ndata: x\n\n"),
    )

    seen, first = reader.events()

    assert seen == {5: 1, 6: 1}
    assert first == {5: 2.0, 6: 2.0}


def test_delivery_counts_a_repeated_and_a_missing_event():
    published = {5: 0.5, 6: 0.5}
    whole = reader_with(
        (1.0, b"id: 5\nevent: update\ndata: a\n\nid: 6\nevent: update\ndata: b\n\n")
    )
    repeated = reader_with(
        (1.0, b"id: 5\nevent: update\ndata: a\n\n"),
        (2.0, b"id: 5\nevent: update\ndata: a\n\nid: 9\nevent: update\ndata: c\n\n"),
    )

    result = delivery([whole, repeated], published)

    assert result["received"] == 3  # 5 and 6 to the first reader, 5 alone to the second
    assert result["duplicates"] == 1
    assert result["unexpected"] == 1
    assert result["p50_ms"] == 500.0


@pytest.mark.parametrize("only", ["fanout", "throughput"])
def test_only_runs_one_scenario(monkeypatch, only):
    monkeypatch.setattr("sys.argv", ["run.py", "--only", only, "--readers", "500"])

    args = options()

    assert args.readers == "500"
    assert getattr(args, f"skip_{only}") is False
    assert args.skip_fanout is (only != "fanout")
    assert args.skip_render is True
