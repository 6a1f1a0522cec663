"""Desk and API parity (issue 9): every action, through the desk and through the API, as each
role, has the same outcome (allowed or refused), leaves the same rows and writes the same number
of Change rows. Both go through the same model method, which checks who acts."""

from dataclasses import dataclass

import pytest
from django.db import transaction
from django.test import Client

from incidents.models import Change, Contributor, Revision, Story
from tests.api_support import Api
from tests.conftest import make_user

ROLES = ["editor", "publisher", "reporter", "outsider", "anonymous"]


@dataclass
class Cast:
    story: Story
    people: dict
    published: object  # UPDATE 1, by the editor
    draft: object  # a draft by the reporter
    own_draft: object  # a draft by the publisher
    pinned: object  # UPDATE 2, pinned by the editor


@pytest.fixture(autouse=True)
def _quick_passwords(settings):
    """Ninety casts of five people: hash their passwords quickly (sign-in is tested elsewhere)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def cast(story, editor, publisher, reporter, outsider):
    return Cast(
        story=story,
        people={
            "editor": editor,
            "publisher": publisher,
            "reporter": reporter,
            "outsider": outsider,
            "anonymous": None,
        },
        published=story.publish_update("Engineers are investigating.", by=editor),
        draft=story.save_draft("Rory's draft: it is back.", by=reporter),
        own_draft=story.save_draft("Pat's draft: still down.", by=publisher),
        pinned=story.publish_update("Read this first.", by=editor, pinned=True),
    )


@dataclass
class Action:
    desk: tuple  # (path under the story's desk URL, form data)
    api: tuple  # (method, path under the story's API URL, JSON body)


def _actions(cast: Cast) -> dict[str, Action]:
    one, draft, own = cast.published, cast.draft, cast.own_draft
    reporter = cast.people["reporter"]
    rory = Contributor.objects.get(story=cast.story, user=reporter)
    fresh = make_user("nina", first_name="Nina", last_name="New")
    return {
        "publish": Action(
            ("publish/", {"body": "Service restored."}),
            ("POST", "/updates", {"body": "Service restored."}),
        ),
        "publish pinned": Action(
            ("publish/", {"body": "Read this first.", "pinned": "on"}),
            ("POST", "/updates", {"body": "Read this first.", "pinned": True}),
        ),
        "draft": Action(
            ("draft/", {"body": "A draft."}),
            ("POST", "/updates", {"body": "A draft.", "draft": True}),
        ),
        "publish someone else's draft": Action(
            (f"updates/{draft.pk}/publish/", {}), ("POST", f"/drafts/{draft.pk}/publish", {})
        ),
        "publish own draft": Action(
            (f"updates/{own.pk}/publish/", {}), ("POST", f"/drafts/{own.pk}/publish", {})
        ),
        "discard a draft": Action(
            (f"updates/{draft.pk}/discard/", {}), ("DELETE", f"/drafts/{draft.pk}", None)
        ),
        "edit": Action(
            (f"updates/{one.pk}/edit/", {"body": "Engineers found the cause.", "revision": "1"}),
            ("PATCH", "/updates/1", {"body": "Engineers found the cause.", "revision": 1}),
        ),
        "correction": Action(
            (
                f"updates/{one.pk}/edit/",
                {
                    "body": "Engineers found it.",
                    "revision": "1",
                    "is_correction": "on",
                    "correction_note": "We misnamed the team.",
                },
            ),
            (
                "PATCH",
                "/updates/1",
                {
                    "body": "Engineers found it.",
                    "revision": 1,
                    "correction_note": "We misnamed the team.",
                },
            ),
        ),
        "retract": Action(
            (f"updates/{one.pk}/retract/", {"reason": "Premature."}),
            ("DELETE", "/updates/1", {"reason": "Premature."}),
        ),
        "pin": Action(
            (f"updates/{one.pk}/pin/", {"pinned": "1"}),
            ("PATCH", "/updates/1", {"revision": 1, "pinned": True}),
        ),
        "unpin": Action(
            (f"updates/{cast.pinned.pk}/pin/", {"pinned": "0"}),
            ("PATCH", "/updates/2", {"revision": 1, "pinned": False}),
        ),
        "suffix": Action(
            ("details/", {"headline_suffix": "UPDATE: It's Back"}),
            ("PATCH", "", {"headline_suffix": "UPDATE: It's Back"}),
        ),
        "details": Action(
            ("details/", {"headline": "Chat Is Back", "dek": "Fixed.", "intro": "It *works*."}),
            ("PATCH", "", {"headline": "Chat Is Back", "dek": "Fixed.", "intro": "It *works*."}),
        ),
        "tags": Action(
            ("details/", {"tags_text": "Outages, Recovery"}),
            ("PATCH", "", {"tags": ["Outages", "Recovery"]}),
        ),
        "bylines": Action(
            ("details/", {"bylines_text": "Sam Lee, Reporter"}),
            ("PATCH", "", {"bylines": [{"name": "Sam Lee", "title": "Reporter"}]}),
        ),
        "state": Action(("state/", {"state": "draft"}), ("PATCH", "", {"state": "draft"})),
        "end coverage": Action(("state/", {"state": "ended"}), ("PATCH", "", {"state": "ended"})),
        "add contributor": Action(
            ("contributors/", {"user": str(fresh.pk), "can_publish": "on"}),
            ("POST", "/contributors", {"username": "nina", "can_publish": True}),
        ),
        "allow publishing": Action(
            (f"contributors/{rory.pk}/publishing/", {"can_publish": "1"}),
            ("PATCH", f"/contributors/{reporter.username}", {"can_publish": True}),
        ),
        "remove contributor": Action(
            (f"contributors/{rory.pk}/remove/", {}),
            ("DELETE", f"/contributors/{reporter.username}", None),
        ),
    }


# Who may do what: the newsroom's rules, written once here so that a desk and an API that both
# refused everything (or allowed everything) could not pass.
EDITORS = {"editor"}
PUBLISHERS = {"editor", "publisher"}
WRITERS = {"editor", "publisher", "reporter"}
EXPECTED = {
    "publish": PUBLISHERS,
    "publish pinned": EDITORS,
    "draft": WRITERS,
    "publish someone else's draft": EDITORS,
    "publish own draft": PUBLISHERS,
    "discard a draft": {"editor", "reporter"},  # the draft is the reporter's own
    "edit": EDITORS,
    "correction": EDITORS,
    "retract": EDITORS,
    "pin": EDITORS,
    "unpin": EDITORS,
    "suffix": EDITORS,
    "details": EDITORS,
    "tags": EDITORS,
    "bylines": EDITORS,
    "state": EDITORS,
    "end coverage": EDITORS,
    "add contributor": EDITORS,
    "allow publishing": EDITORS,
    "remove contributor": EDITORS,
}


def snapshot(story: Story) -> dict:
    story = Story.objects.get(pk=story.pk)
    return {
        "story": (story.headline, story.headline_suffix, story.dek, story.intro, story.state),
        "tags": sorted(story.tags.values_list("name", flat=True)),
        "bylines": list(story.bylines.values_list("name", "title")),
        "updates": sorted(
            story.updates.values_list(
                "number",
                "state",
                "body",
                "pinned",
                "revision",
                "retraction_reason",
                "author__username",
            ),
            key=repr,
        ),  # fmt: skip
        "revisions": sorted(
            Revision.objects.filter(update__story=story).values_list(
                "body", "is_correction", "correction_note", "edited_by__username"
            )
        ),
        "changes": list(
            Change.objects.filter(story=story)
            .order_by("sequence")
            .values_list("kind", "actor__username", "update__body")
        ),
        "contributors": sorted(story.contributors.values_list("user__username", "can_publish")),
    }


def _through_desk(cast: Cast, role: str, action: Action) -> bool:
    client = Client()
    person = cast.people[role]
    if person is not None:
        client.force_login(person)
    path, data = action.desk
    response = client.post(f"/newsroom/stories/{cast.story.slug}/{path}", data)
    if response.status_code == 302 and "/accounts/login/" in response["Location"]:
        return False
    assert response.status_code in (200, 302, 403), response.content[:400]
    return response.status_code != 403


def _through_api(cast: Cast, role: str, action: Action) -> bool:
    person = cast.people[role]
    api = Api(person) if person is not None else Api()
    method, path, body = action.api
    response = api.send(method, f"/stories/{cast.story.slug}{path}", body)
    assert response.status_code in (200, 201, 204, 401, 403), response.content[:400]
    return response.status_code < 400


def _outcome(cast: Cast, run, role: str, action: Action) -> tuple[bool, dict]:
    """Run one channel and roll everything back, so the other starts from the same rows."""
    with transaction.atomic():
        allowed = run(cast, role, action)
        after = snapshot(cast.story)
        transaction.set_rollback(True)
    return allowed, after


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", list(EXPECTED))
def test_the_desk_and_the_api_agree(cast, name, role):
    action = _actions(cast)[name]
    before = snapshot(cast.story)

    desk_allowed, desk_rows = _outcome(cast, _through_desk, role, action)
    api_allowed, api_rows = _outcome(cast, _through_api, role, action)

    assert desk_allowed == api_allowed == (role in EXPECTED[name])
    assert desk_rows == api_rows
    if desk_allowed:
        assert desk_rows != before
    else:
        assert desk_rows == before
