"""Issue 10, generalised: random and hostile values posted to every desk form and every API
endpoint, as each role. Whatever arrives, the answer is never a 5xx, and a refused request leaves
the database exactly as it was (nothing half-saved)."""

import json

import pytest
from django.contrib.auth.models import User
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from incidents.models import ApiToken, Change, Contributor, Revision, Story, Update
from tests.conftest import PASSWORD, make_story, make_user

HOSTILE_TEXT = [
    "",
    " ",
    "\u200b",
    "\x00",
    "\x00abc",
    "9999-12-31T23:59",
    "0001-01-01T00:00",
    "1969-12-31T23:59",
    "2101-01-01T00:00",
    "-1",
    "1e5",
    "99999999999999999999999",
    "NaN",
    "true",
    "[" * 300 + "]" * 300,
    "[a](" * 200,
    "<script>alert(1)</script>",
    "javascript:alert(1)",
    "🙂" * 50,
    "x" * 70_000,
    "Etc/GMT+12",
    "localtime",
    "Factory",
    "draft",
    "live",
    "ended",
    "archived",
    "on",
    "1",
    "0",
]
FORM_VALUE = st.one_of(
    st.sampled_from(HOSTILE_TEXT),
    st.sampled_from(HOSTILE_TEXT),
    st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=300),
)
JSON_VALUE = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=False),
        st.sampled_from(HOSTILE_TEXT),
        st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=200),
    ),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children)
    ),
    max_leaves=8,
)
ROLES = ["editor", "publisher", "reporter", "outsider", "anonymous"]
FUZZ = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Desk forms: the URL (under /newsroom/stories/<slug>/) and the fields the form sends.
DESK_FORMS = {
    "publish/": ["body", "timestamp", "status_label", "key_event", "pinned", "idempotency_key"],
    "draft/": ["body", "timestamp", "status_label", "key_event", "pinned", "idempotency_key"],
    "preview/": ["body", "timestamp", "status_label", "key_event", "pinned", "update"],
    "details/": ["headline", "headline_suffix", "dek", "intro", "tags_text", "bylines_text"],
    "state/": ["state"],
    "contributors/": ["user", "can_publish"],
    "contributors/{contributor}/publishing/": ["can_publish"],
    "updates/{published}/edit/": [
        "body", "timestamp", "status_label", "key_event", "revision", "is_correction",
        "correction_note",
    ],
    "updates/{draft}/edit/": ["body", "timestamp", "status_label", "key_event", "revision"],
    "updates/{published}/retract/": ["reason"],
    "updates/{published}/pin/": ["pinned"],
    "updates/{draft}/publish/": [],
    "updates/{draft}/discard/": [],
}  # fmt: skip
NEW_STORY_FIELDS = [
    "headline", "slug", "dek", "intro", "timezone", "headline_suffix", "tags_text",
    "contributors", "bylines_text", "go_live",
]  # fmt: skip
API_CALLS = {
    ("POST", "/stories"): [
        "headline", "slug", "headline_suffix", "dek", "intro", "timezone", "tags", "bylines",
        "state",
    ],
    ("PATCH", "/stories/{slug}"): [
        "headline", "headline_suffix", "dek", "intro", "timezone", "tags", "bylines", "state",
    ],
    ("POST", "/stories/{slug}/updates"): [
        "body", "timestamp", "status_label", "key_event", "pinned", "draft",
    ],
    ("PATCH", "/stories/{slug}/updates/1"): [
        "revision", "body", "timestamp", "status_label", "key_event", "pinned", "correction_note",
    ],
    ("DELETE", "/stories/{slug}/updates/1"): ["reason"],
}  # fmt: skip


def snapshot() -> dict:
    """What a half-saved request would leave behind."""
    return {
        "stories": list(Story.objects.order_by("pk").values()),
        "updates": list(Update.objects.order_by("pk").values()),
        "revisions": Revision.objects.count(),
        "changes": Change.objects.count(),
        "contributors": list(Contributor.objects.order_by("pk").values()),
        "tags": sorted(Story.tags.through.objects.values_list("story_id", "tag_id")),
        "bylines": list(Story.objects.values_list("bylines__name", "bylines__title")),
    }


@pytest.fixture
def newsroom(db):
    story = make_story(headline="Chat Service Suffers Global Outage")
    make_story(headline="Rail Signals Fail")
    editor = make_user("erin", editor=True)
    publisher = make_user("pat")
    reporter = make_user("rory")
    outsider = make_user("olive")
    Contributor.objects.create(story=story, user=publisher, can_publish=True)
    contributor = Contributor.objects.create(story=story, user=reporter, can_publish=False)
    Contributor.objects.create(
        story=Story.objects.get(slug="rail-signals-fail"), user=outsider, can_publish=True
    )
    published = story.publish_update("UPDATE 1 text", by=editor)
    draft = story.save_draft("Rory's draft", by=reporter)
    people = {
        "editor": editor,
        "publisher": publisher,
        "reporter": reporter,
        "outsider": outsider,
    }
    ids = {"contributor": contributor.pk, "published": published.pk, "draft": draft.pk}
    return story, people, ids


def _desk_client(people, role) -> Client:
    client = Client()
    if role != "anonymous":
        client.login(username=people[role].username, password=PASSWORD)
    return client


def _assert_answered(response, before) -> None:
    assert response.status_code < 500, response.content[:500]
    if response.status_code >= 400:
        assert snapshot() == before


@pytest.mark.parametrize("path", list(DESK_FORMS))
def test_desk_forms_survive_hostile_posts_from_anyone(newsroom, path):
    story, people, ids = newsroom
    url = f"/newsroom/stories/{story.slug}/" + path.format(**ids)
    clients = {role: _desk_client(people, role) for role in ROLES}

    @FUZZ
    @given(
        role=st.sampled_from(ROLES),
        data=st.fixed_dictionaries({}, optional=dict.fromkeys(DESK_FORMS[path], FORM_VALUE)),
        htmx=st.booleans(),
    )
    def post(role, data, htmx):
        before = snapshot()
        headers = {"HX-Request": "true"} if htmx else {}
        response = clients[role].post(url, data, headers=headers)
        _assert_answered(response, before)

    post()


def test_the_new_story_form_survives_hostile_posts_from_anyone(newsroom):
    _, people, _ = newsroom
    clients = {role: _desk_client(people, role) for role in ROLES}

    @FUZZ
    @given(
        role=st.sampled_from(ROLES),
        data=st.fixed_dictionaries({}, optional=dict.fromkeys(NEW_STORY_FIELDS, FORM_VALUE)),
    )
    def post(role, data):
        before = snapshot()
        response = clients[role].post("/newsroom/stories/new/", data)
        _assert_answered(response, before)

    post()


@pytest.mark.parametrize("call", list(API_CALLS), ids=lambda call: " ".join(call))
def test_api_endpoints_survive_hostile_json_from_anyone(newsroom, call):
    story, people, _ = newsroom
    method, path = call
    url = "/api/v1" + path.format(slug=story.slug)
    tokens = {role: ApiToken.issue(user)[1] for role, user in people.items()}
    client = Client()

    @FUZZ
    @given(
        role=st.sampled_from(ROLES),
        data=st.one_of(
            st.fixed_dictionaries({}, optional=dict.fromkeys(API_CALLS[call], JSON_VALUE)),
            JSON_VALUE,
        ),
    )
    def send(role, data):
        before = snapshot()
        headers = {"Authorization": f"Bearer {tokens[role]}"} if role in tokens else {}
        response = getattr(client, method.lower())(
            url, data=json.dumps(data), content_type="application/json", headers=headers
        )
        _assert_answered(response, before)
        assert response["Content-Type"].startswith("application/json")

    send()


def test_the_fuzzed_cast_is_who_the_tests_say(newsroom):
    story, people, ids = newsroom

    assert User.objects.count() == 4
    assert story.can_publish(people["publisher"])
    assert not story.can_publish(people["reporter"])
    assert not story.can_contribute(people["outsider"])
    assert Update.objects.get(pk=ids["draft"]).is_draft


# --- the findings, one by one (issue 10, finding 5) -------------------------------------------

OUT_OF_RANGE = ["9999-12-31T23:59", "0001-01-01T00:00", "1969-06-01T00:00", "2101-01-01T00:00"]


@pytest.mark.parametrize("timestamp", OUT_OF_RANGE)
@pytest.mark.parametrize("path", ["publish/", "draft/", "preview/"])
def test_the_desk_refuses_a_time_outside_the_range_in_place(client, editor, story, path, timestamp):
    client.force_login(editor)

    response = client.post(
        f"/newsroom/stories/{story.slug}/{path}",
        {"body": "Engineers are investigating.", "timestamp": timestamp},
        headers={"HX-Request": "true"},
    )

    assert response.status_code in (200, 400)
    assert "between the years 1970 and 2100" in response.content.decode()
    assert not story.updates.exists()


@pytest.mark.parametrize("timestamp", OUT_OF_RANGE)
def test_a_desk_edit_refuses_a_time_outside_the_range(client, editor, story, timestamp):
    update = story.publish_update("Engineers are investigating.", by=editor)
    client.force_login(editor)

    response = client.post(
        f"/newsroom/stories/{story.slug}/updates/{update.pk}/edit/",
        {"body": "Engineers are investigating.", "timestamp": timestamp, "revision": "1"},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 400
    assert "between the years 1970 and 2100" in response.content.decode()
    update.refresh_from_db()
    assert update.revision == 1


@pytest.mark.parametrize("timestamp", ["9999-12-31T23:59:00Z", "0001-01-01T00:00:00Z"])
def test_the_api_refuses_a_time_outside_the_range(story, editor, timestamp):
    from tests.api_support import Api

    response = Api(editor).post(
        f"/stories/{story.slug}/updates", {"body": "News", "timestamp": timestamp}
    )

    assert response.status_code == 400
    assert "timestamp" in response.json()["error"]["fields"]
    assert not story.updates.exists()


def test_the_desk_refuses_more_tags_than_a_story_carries(client, editor, story):
    client.force_login(editor)
    tags = ", ".join(f"Tag {n}" for n in range(Story.MAX_TAGS + 1))

    response = client.post(
        f"/newsroom/stories/{story.slug}/details/",
        {"headline": story.headline, "tags_text": tags},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 400
    assert "at most 20 tags" in response.content.decode()
    assert story.tags.count() == 2


def test_the_desk_refuses_an_invisible_update(client, editor, story):
    client.force_login(editor)

    response = client.post(
        f"/newsroom/stories/{story.slug}/publish/",
        {"body": "\u200b\u200b"},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 400
    assert "visible text" in response.content.decode()
    assert not story.updates.exists()
