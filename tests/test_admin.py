"""The Django admin lists and opens stories, updates and revisions for a superuser."""

from datetime import datetime

import pytest
from django.urls import reverse
from django.utils.timezone import localtime


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def edited_update(story, editor):
    update = story.publish_update("First text", by=editor)
    update.edit("Second text", by=editor, expected_revision=1)
    return update


@pytest.mark.parametrize("model", ["story", "update", "revision", "tag", "change", "apitoken"])
def test_the_admin_lists_each_model(admin_client, edited_update, model):
    response = admin_client.get(reverse(f"admin:incidents_{model}_changelist"))

    assert response.status_code == 200


def test_the_admin_opens_a_story_with_its_bylines(admin_client, story):
    response = admin_client.get(reverse("admin:incidents_story_change", args=[story.pk]))

    assert response.status_code == 200
    assert "Dana Reyes" in response.content.decode()


def test_the_admin_opens_an_update_with_its_revisions(admin_client, edited_update):
    response = admin_client.get(reverse("admin:incidents_update_change", args=[edited_update.pk]))

    assert response.status_code == 200
    assert "First text" in response.content.decode()


def test_a_reporter_cannot_use_the_admin(client, reporter):
    client.force_login(reporter)

    response = client.get(reverse("admin:incidents_story_changelist"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_an_admin_change_to_an_update_reaches_readers(admin_client, story, edited_update):
    before = story.changes.count()
    url = reverse("admin:incidents_update_change", args=[edited_update.pk])
    page = admin_client.get(url)
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data.update({"key_event": "on", "timestamp_0": "2026-07-26", "timestamp_1": "11:40:00"})
    data = {k: v for k, v in data.items() if v is not None and v is not False}
    data.update(
        {f"revisions-{k}": v for k, v in {"TOTAL_FORMS": 1, "INITIAL_FORMS": 1}.items()}
        | {
            "revisions-0-id": edited_update.revisions.get().pk,
            "revisions-0-update": edited_update.pk,
        }
    )

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    edited_update.refresh_from_db()
    assert edited_update.key_event is True
    assert edited_update.body == "Second text"
    assert story.changes.count() == before + 1
    assert story.changes.order_by("sequence").last().actor.username == "root"
    assert "badge--key" in admin_client.get(story.get_absolute_url()).content.decode()


def test_the_admins_change_list_shows_who_made_each_change(admin_client, edited_update):
    response = admin_client.get(reverse("admin:incidents_change_changelist"))

    assert response.status_code == 200
    assert "erin" in response.content.decode()


def test_a_staff_member_who_is_not_an_editor_cannot_log_a_change(story, editor):
    from django.core.exceptions import PermissionDenied

    from tests.conftest import make_user

    staff = make_user("stan", is_staff=True)
    before = story.sequence

    with pytest.raises(PermissionDenied):
        story.log_outside_edit(by=staff)
    story.refresh_from_db()
    assert story.sequence == before


def form_data(form) -> dict:
    """What a browser would send back for an admin form as it stands."""
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        if isinstance(value, datetime):  # the admin's date and time boxes
            value = localtime(value)
            data[form.add_prefix(f"{name}_0")] = value.date().isoformat()
            data[form.add_prefix(f"{name}_1")] = value.time().isoformat(timespec="seconds")
        elif isinstance(value, list):
            data[form.add_prefix(name)] = [getattr(v, "pk", v) for v in value]
        else:
            data[form.add_prefix(name)] = getattr(value, "pk", value)
    return data


def test_a_byline_changed_in_the_admin_reaches_readers(admin_client, story, editor):
    story.go_live(by=editor)
    assert "Dana Reyes" in admin_client.get(story.get_absolute_url()).content.decode()
    url = reverse("admin:incidents_story_change", args=[story.pk])
    page = admin_client.get(url)
    data = form_data(page.context["adminform"].form)
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update(form_data(formset.management_form))
        data[f"{formset.prefix}-TOTAL_FORMS"] = len(formset.initial_forms)  # no blank rows
        for form in formset.initial_forms:
            data.update(form_data(form))
    bylines = page.context["inline_admin_formsets"][0].formset
    data[bylines.initial_forms[0].add_prefix("name")] = "Dana Reyes-Ortiz"

    response = admin_client.post(url, data)

    assert response.status_code == 302
    assert "Dana Reyes-Ortiz" in admin_client.get(story.get_absolute_url()).content.decode()
