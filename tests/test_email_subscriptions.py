"""Email subscriptions (issue 14, item 2): a reader subscribes from the article, confirms by the
emailed link, gets the story's new updates in batches, and leaves in one click. Every message
goes through a real SMTP server on 127.0.0.1 (aiosmtpd, tests/smtp_server.py) and is read as it
arrived."""

import logging
import re
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils.timezone import now

from incidents import subscriber_mail
from incidents.models import EmailBatch, EmailSubscriber, UpdateEmailCount
from incidents.models.email_batch import RETRY_DELAYS
from incidents.models.subscriber import SUBSCRIBES_PER_ADDRESS_PER_HOUR, Subscription
from liveblog.env import env_email
from tests.smtp_server import html_of, mailer, smtp_server, text_of
from tests.task_worker import queued_tasks, run_worker

pytestmark = pytest.mark.tasks

SITE = "https://live.example.com"
READER = "reader@example.org"


@pytest.fixture(scope="module")
def smtp_process():
    with smtp_server() as server:
        yield server


@pytest.fixture
def inbox(smtp_process, settings):
    port, inbox = smtp_process
    inbox.clear()
    settings.MAILERS = mailer(port)
    settings.SITE_URL = SITE
    settings.EMAIL_BATCH_MINUTES = 5
    return inbox


@pytest.fixture
def ask(client, django_capture_on_commit_callbacks):
    """POST the article's subscribe form, as a browser on this site would."""

    def post(story, email=READER, scope="all", **extra):
        data = {"email": email, "scope": scope, "website": "", **extra}
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                reverse("reader:subscribe", args=[story.slug]),
                data,
                headers={"Origin": "http://testserver"},
            )

    return post


def subscribed(story, email=READER, scope="all") -> EmailSubscriber:
    return EmailSubscriber.confirm(Subscription(story.pk, email, scope))


def link(message, pattern: str) -> str:
    """The first address on this site in the message's text that matches `pattern`."""
    found = re.search(rf"{re.escape(SITE)}(/{pattern}/\S*?/)\s", text_of(message))
    assert found, text_of(message)
    return found.group(1)


# --- subscribing: double opt-in -----------------------------------------------------------------


def test_a_reader_subscribes_confirms_by_the_link_and_gets_the_next_update(
    client, inbox, story, editor, ask, on_commit
):
    response = ask(story, scope="all")

    assert response.status_code == 200
    assert "Check your inbox" in response.content.decode()
    assert not EmailSubscriber.objects.exists()  # nothing kept before the link is followed
    run_worker()
    [confirmation] = inbox.messages
    assert confirmation["To"] == READER
    assert "Confirm" in confirmation["Subject"]
    confirm = link(confirmation, "subscriptions/confirm")

    page = client.get(confirm)  # a link scanner's GET subscribes nobody
    assert page.status_code == 200
    assert "Confirm your subscription" in page.content.decode()
    assert not EmailSubscriber.objects.exists()
    done = client.post(confirm)
    assert done.status_code == 200
    assert "You are subscribed" in done.content.decode()
    subscriber = EmailSubscriber.objects.get()
    assert (subscriber.email, subscriber.scope, subscriber.story) == (READER, "all", story)

    inbox.clear()
    update = on_commit(story, "Engineers found the **cause**.", by=editor)
    run_worker()
    [message] = inbox.to(READER)
    assert f"UPDATE {update.number}" in message["Subject"]
    assert "Engineers found the cause." in text_of(message)


def test_nothing_is_sent_to_an_address_before_it_is_confirmed(inbox, story, editor, ask, on_commit):
    ask(story)
    on_commit(story, "One.", by=editor)
    run_worker()

    [only] = inbox.messages
    assert "Confirm" in only["Subject"]


def test_an_old_or_forged_confirmation_link_is_refused(client, inbox, story, ask, settings):
    ask(story)
    run_worker()
    confirm = link(inbox.messages[0], "subscriptions/confirm")

    forged = client.post(confirm.replace(":", ":x", 1))
    with time_machine.travel(now() + timedelta(days=settings.EMAIL_CONFIRM_DAYS, minutes=1)):
        old = client.post(confirm)

    for response in (forged, old):
        assert response.status_code == 400
        assert "This link does not work" in response.content.decode()
    assert not EmailSubscriber.objects.exists()


def test_the_form_never_says_whether_an_address_is_subscribed(client, inbox, story, ask):
    subscribed(story, scope="key")

    known = ask(story, email=READER, scope="all")
    unknown = ask(story, email="someone-else@example.org", scope="all")

    assert known.status_code == unknown.status_code == 200
    page = known.content.decode()
    assert "Check your inbox" in page
    assert page.replace(READER, "") == unknown.content.decode().replace(
        "someone-else@example.org", ""
    )
    run_worker()
    [already] = inbox.to(READER)
    assert "You already follow" in already["Subject"]
    assert "key events only" in text_of(already)  # what they get now
    assert already["List-Unsubscribe"]  # and how to leave, in one click
    # Its link changes what they get.
    client.post(link(already, "subscriptions/confirm"))
    assert EmailSubscriber.objects.get(email=READER).scope == "all"


def test_a_filled_in_honeypot_gets_the_same_page_and_nothing_is_kept_or_sent(
    inbox, story, ask, django_capture_on_commit_callbacks
):
    response = ask(story, website="https://spam.example.com")

    assert response.status_code == 200
    assert "Check your inbox" in response.content.decode()
    run_worker()
    assert inbox.messages == []
    assert not EmailSubscriber.objects.exists()


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("not-an-address", "Enter a valid email address."),
        ("two@@example.org", "Enter a valid email address."),
        ("", "Enter your email address."),
        (("x" * 250) + "@example.org", "An email address has at most 254 characters."),
    ],
)
def test_a_malformed_or_overlong_address_is_refused_on_the_field(
    inbox, story, ask, address, message
):
    response = ask(story, email=address)

    assert response.status_code == 400
    assert message in response.content.decode()
    run_worker()
    assert inbox.messages == []
    assert not EmailSubscriber.objects.exists()


def test_an_unknown_choice_is_refused(inbox, story, ask):
    response = ask(story, scope="everything")

    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_too_many_requests_for_one_address_are_refused_with_429(inbox, story, ask):
    for _ in range(SUBSCRIBES_PER_ADDRESS_PER_HOUR):
        assert ask(story).status_code == 200

    refused = ask(story)

    assert refused.status_code == 429
    assert "Too many requests to subscribe" in refused.content.decode()
    run_worker()
    assert len(inbox.messages) == SUBSCRIBES_PER_ADDRESS_PER_HOUR


def test_too_many_requests_from_one_network_address_are_refused_with_429(inbox, story, ask):
    from incidents.models.subscriber import SUBSCRIBES_PER_IP_PER_HOUR

    for n in range(SUBSCRIBES_PER_IP_PER_HOUR):
        assert ask(story, email=f"reader{n}@example.org").status_code == 200

    refused = ask(story, email="one-more@example.org")

    assert refused.status_code == 429
    assert "try again in an hour" in refused.content.decode()


def test_a_form_sent_from_another_site_is_refused(client, story):
    response = client.post(
        reverse("reader:subscribe", args=[story.slug]),
        {"email": READER, "scope": "all"},
        headers={"Origin": "https://evil.example.com"},
    )

    assert response.status_code == 403
    assert "sent from another site" in response.content.decode()


def test_the_cached_article_carries_the_form_and_no_cookie(client, story):
    response = client.get(story.get_absolute_url())

    assert response.status_code == 200
    page = response.content.decode()
    assert f'action="/stories/{story.slug}/subscribe/"' in page
    assert "Key events only" in page and "Just when coverage ends" in page
    assert "public" in response["Cache-Control"]
    assert not response.cookies
    assert "csrfmiddlewaretoken" not in page


def test_the_subscribe_page_works_without_a_csrf_cookie(
    story, inbox, django_capture_on_commit_callbacks
):
    strict = Client(enforce_csrf_checks=True)

    with django_capture_on_commit_callbacks(execute=True):
        response = strict.post(
            reverse("reader:subscribe", args=[story.slug]), {"email": READER, "scope": "all"}
        )

    assert response.status_code == 200
    assert "Check your inbox" in response.content.decode()


def test_htmx_gets_the_answer_in_place(client, inbox, story):
    response = client.post(
        reverse("reader:subscribe", args=[story.slug]),
        {"email": "nope", "scope": "all"},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert page.lstrip().startswith('<form class="subscribe form" id="subscribe"')
    assert "Enter a valid email address." in page


# --- what a message holds -----------------------------------------------------------------------


def test_an_email_shows_each_update_with_its_number_time_and_permalink_in_html_and_text(
    inbox, story, editor, on_commit
):
    from incidents import timefmt

    subscriber = subscribed(story)
    update = on_commit(story, "Payments are **failing** in Europe.", by=editor)
    run_worker()

    [message] = inbox.to(READER)
    permalink = f"{SITE}/stories/{story.slug}/updates/{update.number}/"
    when = timefmt.ap_datetime(update.timestamp, story.timezone)
    text, html = text_of(message), html_of(message)
    assert f"UPDATE {update.number} · {when}" in text
    assert "Payments are failing in Europe." in text
    assert permalink in text
    assert f'<a href="{permalink}"' in html
    assert "<strong>failing</strong>" in html
    assert when in html
    unsubscribe = f"{SITE}/unsubscribe/{subscriber.token}/"
    assert message["List-Unsubscribe"].strip() == f"<{unsubscribe}>"  # (folded: long line)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe in text and unsubscribe in html
    assert UpdateEmailCount.objects.get(update=update).sent == 1


def test_updates_are_batched_into_one_email_per_few_minutes_in_order(
    inbox, story, editor, on_commit
):
    subscribed(story)
    start = now()
    with time_machine.travel(start, tick=False):
        on_commit(story, "First.", by=editor)
        run_worker()
    with time_machine.travel(start + timedelta(minutes=1), tick=False):
        on_commit(story, "Second.", by=editor)
        on_commit(story, "Third.", by=editor)
        run_worker()
        assert len(inbox.to(READER)) == 1  # the second and third wait
    with time_machine.travel(start + timedelta(minutes=5, seconds=2), tick=False):
        run_worker()  # the run the task queued for the end of the five minutes

    first, batch = inbox.to(READER)
    assert "UPDATE 1" in first["Subject"]
    assert batch["Subject"].startswith("UPDATE 2, 3:")
    text = text_of(batch)
    assert text.index("UPDATE 2") < text.index("Second.") < text.index("UPDATE 3")
    assert text.index("UPDATE 3") < text.index("Third.")
    assert "First." not in text


def test_an_email_sent_again_after_its_worker_died_carries_the_same_message_id(
    inbox, story, editor, on_commit, monkeypatch, settings
):
    """The window SMTP leaves open: the server took the message, then the worker died before
    marking the batch sent. The next worker sends it again, as the same message."""
    subscribed(story)
    start = now()
    with time_machine.travel(start, tick=False):
        on_commit(story, "First.", by=editor)
        with monkeypatch.context() as dies:
            dies.setattr(EmailBatch, "sent", lambda batch, worker, update_ids: None)
            run_worker()
        assert len(inbox.to(READER)) == 1
    with time_machine.travel(start + timedelta(seconds=settings.EMAIL_CLAIM_SECONDS + 2)):
        run_worker()  # its hold ran out: taken over
    with time_machine.travel(start + timedelta(minutes=10), tick=False):
        on_commit(story, "Second.", by=editor)
        run_worker()

    first, again, second = inbox.to(READER)
    assert first["Subject"] == again["Subject"]
    assert first["Message-ID"] == again["Message-ID"]
    assert first["Message-ID"].endswith("@live.example.com>")
    assert "UPDATE 2" in second["Subject"]
    assert second["Message-ID"] != first["Message-ID"]
    assert EmailBatch.objects.filter(status=EmailBatch.Status.SENT).count() == 2


def test_a_retracted_update_is_not_sent_and_an_edited_one_goes_as_it_reads_now(
    inbox, story, editor, on_commit
):
    subscribed(story)
    start = now()
    with time_machine.travel(start, tick=False):
        on_commit(story, "First.", by=editor)
        run_worker()
    with time_machine.travel(start + timedelta(minutes=1), tick=False):
        wrong = on_commit(story, "A wrong figure.", by=editor)
        typo = on_commit(story, "Teh fix is out.", by=editor)
        wrong.retract("Wrong figure", by=editor)
        typo.edit("The fix is out.", by=editor, expected_revision=typo.revision)
    with time_machine.travel(start + timedelta(minutes=6), tick=False):
        run_worker()

    _, batch = inbox.to(READER)
    text = text_of(batch)
    assert "UPDATE 3" in text and "The fix is out." in text
    assert "UPDATE 2" not in text and "wrong figure" not in text.lower()
    assert "Teh" not in text


def test_key_events_only_and_when_it_ends_get_just_those(
    inbox, story, editor, on_commit, django_capture_on_commit_callbacks
):
    from incidents.models import Story

    subscribed(story, "keys@example.org", "key")
    subscribed(story, "end@example.org", "ended")
    start = now()
    with time_machine.travel(start, tick=False):
        on_commit(story, "Routine note.", by=editor)
        on_commit(story, "Service **restored**.", by=editor, key_event=True)
        run_worker()
    with time_machine.travel(start + timedelta(minutes=10), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            story.revise(by=editor, state=Story.State.ENDED)
        run_worker()

    key, key_end = inbox.to("keys@example.org")  # every choice hears of the end
    assert "UPDATE 2" in key["Subject"] and "Routine note." not in text_of(key)
    assert "Service restored." in text_of(key)
    assert key_end["Subject"].startswith("Coverage ended:")
    ends = inbox.to("end@example.org")
    assert len(ends) == 1
    assert ends[0]["Subject"].startswith("Coverage ended:")
    assert "Live coverage has ended" in text_of(ends[0])
    assert ends[0]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_subscribers_with_nothing_to_get_do_not_hold_up_the_rest(
    inbox, story, editor, on_commit, monkeypatch
):
    monkeypatch.setattr(subscriber_mail, "CHUNK", 2)  # subscribers taken on two at a time
    for n in range(4):
        subscribed(story, f"keys{n}@example.org", "key")
    subscribed(story, READER, "all")

    on_commit(story, "Routine note.", by=editor)
    run_worker()

    [message] = inbox.messages
    assert message["To"] == READER
    assert set(EmailSubscriber.objects.values_list("sent_through", flat=True)) == {story.sequence}


def test_a_new_subscriber_is_not_mailed_what_came_before(inbox, story, editor, on_commit):
    on_commit(story, "Before.", by=editor)
    subscribed(story)

    run_worker()
    subscriber_mail.send_due.call(story.pk)

    assert inbox.to(READER) == []


# --- leaving ------------------------------------------------------------------------------------


def test_one_click_unsubscribe_by_post_deletes_the_address_and_stops_the_emails(
    inbox, story, editor, on_commit
):
    subscriber = subscribed(story)
    on_commit(story, "One.", by=editor)
    run_worker()
    [message] = inbox.to(READER)
    url = message["List-Unsubscribe"].strip().strip("<>").removeprefix(SITE)

    # What a mail client sends (RFC 8058): no cookie, no CSRF token.
    response = Client(enforce_csrf_checks=True).post(
        url,
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    assert "You are unsubscribed" in response.content.decode()
    assert not EmailSubscriber.objects.filter(pk=subscriber.pk).exists()
    on_commit(story, "Two.", by=editor)
    run_worker()
    assert len(inbox.to(READER)) == 1


def test_the_unsubscribe_link_opened_in_a_browser_asks_first(client, story):
    subscriber = subscribed(story)

    response = client.get(reverse("subscriptions:unsubscribe", args=[subscriber.token]))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Stop the emails" in page and '<button type="submit"' in page
    assert READER not in page
    assert EmailSubscriber.objects.filter(pk=subscriber.pk).exists()


def test_an_unknown_unsubscribe_link_says_there_is_nothing_to_do(client, story):
    response = client.get(reverse("subscriptions:unsubscribe", args=["no-such-token"]))
    posted = client.post(reverse("subscriptions:unsubscribe", args=["no-such-token"]))

    assert response.status_code == 404
    assert "Nothing to unsubscribe" in response.content.decode()
    assert posted.status_code == 200


# --- faults: refusals, hang-ups, repeats ---------------------------------------------------------


def test_a_refusing_server_is_tried_again_later_and_the_email_arrives_once(
    inbox, story, editor, on_commit
):
    subscribed(story)
    inbox.faults[:] = ["refuse"]
    start = now()
    with time_machine.travel(start, tick=False):
        on_commit(story, "One.", by=editor)
        run_worker()

    batch = EmailBatch.objects.get()
    assert (batch.status, batch.attempts) == ("pending", 1)
    assert batch.last_error.startswith("SMTP 550")
    assert inbox.to(READER) == []
    with time_machine.travel(start + RETRY_DELAYS[0] + timedelta(seconds=2), tick=False):
        run_worker()
        subscriber_mail.send_due.call(story.pk)  # a stray repeat of the task

    batch.refresh_from_db()
    assert (batch.status, batch.attempts) == ("sent", 2)
    assert len(inbox.to(READER)) == 1


def test_a_server_that_hangs_up_mid_message_is_tried_again_and_the_email_arrives_once(
    inbox, story, editor, on_commit
):
    subscribed(story)
    subscribed(story, "second@example.org")
    inbox.faults[:] = ["hang up"]
    start = now()
    with time_machine.travel(start, tick=False):
        on_commit(story, "One.", by=editor)
        run_worker()
    assert len(inbox.messages) == 1  # the other subscriber's went out on a new connection

    with time_machine.travel(start + RETRY_DELAYS[0] + timedelta(seconds=2), tick=False):
        run_worker()

    assert len(inbox.to(READER)) == 1
    assert len(inbox.to("second@example.org")) == 1
    assert set(EmailBatch.objects.values_list("status", flat=True)) == {"sent"}


def test_an_email_that_keeps_failing_is_abandoned_and_logged(
    inbox, story, editor, on_commit, caplog
):
    subscribed(story)
    inbox.faults[:] = ["refuse"] * (len(RETRY_DELAYS) + 1)
    moment = now()
    with time_machine.travel(moment, tick=False):
        on_commit(story, "One.", by=editor)
        run_worker()
    with caplog.at_level(logging.WARNING, logger="incidents.subscriber_mail"):
        for wait in RETRY_DELAYS:
            moment += wait + timedelta(seconds=2)
            with time_machine.travel(moment, tick=False):
                run_worker()

    batch = EmailBatch.objects.get()
    assert (batch.status, batch.attempts) == ("abandoned", len(RETRY_DELAYS) + 1)
    assert "abandoned" in caplog.text
    assert inbox.to(READER) == []
    assert READER not in caplog.text  # the log names the subscriber, not the address


def test_a_confirmation_email_the_server_refuses_is_sent_again_later(inbox, story, ask):
    inbox.faults[:] = ["refuse"]
    start = now()
    with time_machine.travel(start, tick=False):
        ask(story)
        run_worker()
    assert inbox.messages == []

    with time_machine.travel(start + timedelta(minutes=3), tick=False):
        run_worker()

    [confirmation] = inbox.to(READER)
    assert "Confirm" in confirmation["Subject"]


def test_a_repeated_task_never_sends_twice(inbox, story, editor, on_commit):
    subscribed(story)
    on_commit(story, "One.", by=editor)

    subscriber_mail.send_due.call(story.pk)
    subscriber_mail.send_due.call(story.pk)
    run_worker()

    assert len(inbox.to(READER)) == 1


def test_publishing_queues_one_task_only_when_the_story_has_subscribers(
    inbox, story, other_story, editor, on_commit
):
    on_commit(story, "Nobody follows yet.", by=editor)
    assert queued_tasks() == []

    subscribed(story)
    on_commit(story, "Now someone does.", by=editor)
    on_commit(other_story, "Another story.", by=editor)

    assert queued_tasks() == ["incidents.subscriber_mail.send_due"]
    assert inbox.messages == []  # nothing sent until a worker runs
    run_worker()
    assert len(inbox.to(READER)) == 1


# --- the desk -----------------------------------------------------------------------------------


def test_an_editor_sees_counts_finds_an_address_and_deletes_it(
    client, inbox, editor, story, on_commit
):
    subscribed(story, READER, "all")
    subscribed(story, "other@example.org", "key")
    on_commit(story, "One.", by=editor)
    run_worker()
    client.force_login(editor)

    page = client.get(reverse("desk:subscribers", args=[story.slug]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "<td>Every update</td><td>1</td>" in text
    assert "<td>Key events only</td><td>1</td>" in text
    assert "<td>UPDATE 1</td><td>1</td>" in text  # emails that carried it
    assert READER not in text and "other@example.org" not in text  # never listed

    found = client.get(reverse("desk:subscribers", args=[story.slug]), {"email": READER.upper()})
    assert found.status_code == 200
    assert READER in found.content.decode()
    assert found["Cache-Control"] == "private, no-store"
    pk = EmailSubscriber.objects.get(email=READER).pk
    deleted = client.post(reverse("desk:delete_subscriber", args=[story.slug, pk]))
    assert deleted.status_code == 302
    assert not EmailSubscriber.objects.filter(email=READER).exists()
    assert UpdateEmailCount.objects.get().sent == 1  # the count stays


def test_reporters_cannot_see_or_delete_subscribers(client, reporter, story):
    subscriber = subscribed(story)
    client.force_login(reporter)

    page = client.get(reverse("desk:subscribers", args=[story.slug]), {"email": READER})
    deleted = client.post(reverse("desk:delete_subscriber", args=[story.slug, subscriber.pk]))

    assert page.status_code == 403
    assert deleted.status_code == 403
    assert READER not in page.content.decode()
    assert EmailSubscriber.objects.filter(pk=subscriber.pk).exists()
    with pytest.raises(PermissionDenied):
        subscriber.remove(by=reporter)
    with pytest.raises(PermissionDenied):
        EmailSubscriber.find(story, READER, by=reporter)


def test_the_desk_links_to_subscribers_for_editors_only(client, editor, reporter, story):
    client.force_login(editor)
    assert (
        "Email subscribers" in client.get(reverse("desk:story", args=[story.slug])).content.decode()
    )
    client.force_login(reporter)
    page = client.get(reverse("desk:story", args=[story.slug]))
    assert page.status_code == 200
    assert "Email subscribers" not in page.content.decode()


def test_addresses_appear_in_no_public_page_feed_or_export(client, story, editor, on_commit):
    subscribed(story)
    on_commit(story, "One.", by=editor)

    for url in (
        story.get_absolute_url(),
        reverse("export:story_atom", args=[story.slug]),
        reverse("export:story", args=[story.slug, "json"]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert READER not in response.content.decode(), url


def test_the_admin_does_not_offer_subscribers():
    from django.contrib import admin

    assert EmailSubscriber not in admin.site._registry
    assert EmailBatch not in admin.site._registry


# --- settings -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "backend", "options"),
    [
        (
            "smtp://us%40er:p%3Ass@mail.example.com:587/?tls=1",
            "smtp.EmailBackend",
            {
                "host": "mail.example.com",
                "port": 587,
                "username": "us@er",
                "password": "p:ss",
                "use_tls": True,
                "use_ssl": False,
                "timeout": 7,
            },
        ),  # fmt: skip
        (
            "smtps://mail.example.com",
            "smtp.EmailBackend",
            {
                "host": "mail.example.com",
                "port": 465,
                "username": "",
                "password": "",
                "use_tls": False,
                "use_ssl": True,
                "timeout": 7,
            },
        ),  # fmt: skip
        ("console:", "console.EmailBackend", None),
        ("file:///var/mail/live", "filebased.EmailBackend", {"file_path": "/var/mail/live"}),
    ],
)
def test_email_url_names_the_mailer(monkeypatch, url, backend, options):
    monkeypatch.setenv("EMAIL_URL", url)

    mailer_setting = env_email("EMAIL_URL", "console:", timeout=7)

    assert mailer_setting["BACKEND"] == f"django.core.mail.backends.{backend}"
    assert mailer_setting.get("OPTIONS") == options


@pytest.mark.parametrize(
    "url", ["http://mail.example.com", "smtp://", "smtp://host:99999", "smtp://h/?tls=maybe"]
)
def test_a_bad_email_url_stops_start_up_naming_it(monkeypatch, url):
    from django.core.exceptions import ImproperlyConfigured

    monkeypatch.setenv("EMAIL_URL", url)

    with pytest.raises(ImproperlyConfigured, match="EMAIL_URL"):
        env_email("EMAIL_URL", "console:", timeout=7)
