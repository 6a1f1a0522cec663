"""Who may open the newsroom: sign-in, sign-out, and 403 (never 500) for the wrong person."""

import pytest
from django.urls import reverse

from tests.conftest import PASSWORD

HTMX = {"HX-Request": "true"}


def desk_url(story):
    return reverse("desk:story", kwargs={"slug": story.slug})


def test_anonymous_visitor_is_sent_to_the_login_page(client, story):
    for url in ["/newsroom/", desk_url(story)]:
        response = client.get(url)

        assert response.status_code == 302
        assert response["Location"] == f"/accounts/login/?next={url}"


def test_anonymous_post_to_a_desk_action_changes_nothing(client, story):
    response = client.post(reverse("desk:publish", args=[story.slug]), {"body": "Sneaky"})

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not story.updates.exists()


def test_anonymous_htmx_request_redirects_the_whole_page_to_login(client, story):
    response = client.post(
        reverse("desk:publish", args=[story.slug]),
        {"body": "Session expired"},
        headers={**HTMX, "HX-Current-URL": f"http://testserver{desk_url(story)}"},
    )

    assert response.status_code == 200
    assert response["HX-Redirect"] == f"/accounts/login/?next={desk_url(story)}"
    assert not story.updates.exists()


def test_login_page_is_in_the_site_design(client):
    response = client.get("/accounts/login/?next=/newsroom/")

    assert response.status_code == 200
    assert b"Sign in to the newsroom" in response.content
    assert b"masthead" in response.content
    assert b'name="next" value="/newsroom/"' in response.content


def test_signing_in_opens_the_dashboard(client, editor):
    response = client.post(
        "/accounts/login/", {"username": "erin", "password": PASSWORD}, follow=True
    )

    assert response.redirect_chain[-1][0] == "/newsroom/"
    assert b"Newsroom" in response.content
    assert b"Start a story" in response.content


def test_a_wrong_password_is_shown_on_the_form(client, editor):
    response = client.post("/accounts/login/", {"username": "erin", "password": "nope"})

    assert response.status_code == 200
    assert b"Please enter a correct username and password" in response.content


def test_signing_out_returns_to_the_front_page(client, editor):
    client.force_login(editor)

    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/newsroom/").status_code == 302


def test_outsider_gets_403_for_another_story(client, outsider, story):
    client.force_login(outsider)

    response = client.get(desk_url(story))

    assert response.status_code == 403
    assert b"not on this story" in response.content
    assert story.headline.encode() not in response.content
    assert b"masthead" in response.content  # the site's 403 page, not Django's bare one


def test_outsider_opens_their_own_story(client, outsider, other_story):
    client.force_login(outsider)

    assert client.get(desk_url(other_story)).status_code == 200


def test_reporter_opens_the_story_they_contribute_to(client, reporter, story):
    client.force_login(reporter)

    response = client.get(desk_url(story))

    assert response.status_code == 200
    assert story.headline.encode() in response.content


def test_user_with_no_story_sees_an_empty_dashboard_not_an_error(client, db):
    from tests.conftest import make_user

    client.force_login(make_user("newbie"))

    response = client.get("/newsroom/")

    assert response.status_code == 200
    assert b"You are not on any story yet" in response.content
    assert b"Start a story" not in response.content


def test_unknown_story_is_404(client, editor):
    client.force_login(editor)

    assert client.get("/newsroom/stories/no-such-story/").status_code == 404


@pytest.mark.parametrize("who", ["editor", "superuser"])
def test_editors_and_superusers_open_every_story(client, request, who, story, other_story):
    client.force_login(request.getfixturevalue(who))

    assert client.get(desk_url(story)).status_code == 200
    assert client.get(desk_url(other_story)).status_code == 200


def test_inactive_editor_cannot_sign_in(client, editor):
    editor.is_active = False
    editor.save()

    response = client.post("/accounts/login/", {"username": "erin", "password": PASSWORD})

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_desk_pages_load_desk_assets_and_reader_pages_do_not(client, editor, story):
    client.force_login(editor)

    desk = client.get(desk_url(story)).content.decode()
    reader = client.get(story.get_absolute_url()).content.decode()

    assert "css/desk.css" in desk and "js/desk.js" in desk
    assert "css/desk.css" not in reader


def test_desk_pages_have_no_inline_script_or_handlers(client, editor, story):
    import re

    client.force_login(editor)
    story.publish_update("First", by=editor)
    html = client.get(desk_url(story)).content.decode()

    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert not re.search(r"\son[a-z]+=", html)
    assert "hx-on" not in html


def test_every_newsroom_time_is_machine_readable_to_the_second(client, editor, reporter, story):
    """<time datetime> on every newsroom page goes through the one iso_time filter: UTC, to
    the second (Django's `c` format writes microseconds, which the Nu checker rejects)."""
    import re

    from incidents.models import ApiToken, CorrectionSuggestion

    published = story.publish_update("Power is out.", by=editor)
    published.edit("Power is out in two districts.", by=editor, expected_revision=1)
    story.save_draft("Crews are on the way.", by=reporter)
    CorrectionSuggestion.objects.create(story=story, message="UPDATE 1 has the wrong time.")
    ApiToken.issue(editor, name="Status page bot")
    client.force_login(editor)
    edit_url = reverse("desk:edit_update", args=[story.slug, published.pk])
    conflict = client.post(edit_url, {"body": "Mine", "revision": 1})  # someone saved revision 2
    assert conflict.status_code == 409
    pages = {"conflict": conflict}
    for name, url in {
        "desk": desk_url(story),
        "history": reverse("desk:history", args=[story.slug, published.pk]),
        "dashboard": reverse("desk:dashboard"),
        "profile": reverse("tokens:profile"),
    }.items():
        pages[name] = client.get(url)

    for name, response in pages.items():
        times = re.findall(r'<time[^>]* datetime="([^"]*)"', response.content.decode())
        assert response.status_code in (200, 409), name
        assert times, name
        for value in times:
            assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000", value), (name, value)
