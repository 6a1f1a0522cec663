"""The story desk page and its regions, each with its own small context.

The page is `newsroom/story.html`; every region an htmx answer swaps is a partial of it. An
answer renders one region with only what that region shows: a pinned update does not rebuild the
compose box, the contributors or the reader suggestions. `desk_context` puts them all together
for the whole page.
"""

import uuid

from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest
from django.shortcuts import render

from incidents.embedding import embed_code, site_address
from incidents.forms import ComposeForm, ContributorForm, StoryDetailsForm
from incidents.models import ReaderCount, ReadersNow, Story, Update, user_is_editor
from incidents.reach import note_reach
from incidents.views.desk_access import mark_editable

DESK_PAGE = "newsroom/story.html"
LOG_LENGTH = 15


def render_desk(request: HttpRequest, context: dict, status=200):
    return render(request, DESK_PAGE, context, status=status)


def render_region(request: HttpRequest, region: str, context: dict, status=200):
    return render(request, f"{DESK_PAGE}#{region}", context, status=status)


def roles(request: HttpRequest, story: Story) -> dict:
    return {
        "is_editor": user_is_editor(request.user),
        "can_publish": story.can_publish(request.user),
    }


def header_context(request: HttpRequest, story: Story, form=None, **extra) -> dict:
    """The headline, state and (for editors) the forms that change them."""
    is_editor = user_is_editor(request.user)
    if is_editor and form is None:
        form = StoryDetailsForm(story=story, auto_id="id_story_%s")
    context = {"story": story, "is_editor": is_editor, "details_form": form}
    return {**context, "since": story.sequence, **extra}


def new_compose_form(story: Story) -> ComposeForm:
    return ComposeForm(
        story=story, auto_id="id_compose_%s", initial={"idempotency_key": uuid.uuid4().hex}
    )


def compose_context(request: HttpRequest, story: Story, form=None, **extra) -> dict:
    return {
        "story": story,
        **roles(request, story),
        "compose_form": form or new_compose_form(story),
        "max_chars": settings.UPDATE_MAX_CHARS,
        **extra,
    }


def timeline_context(request: HttpRequest, story: Story, **extra) -> dict:
    """Drafts apart, then the timeline as readers see it: two queries whatever its length."""
    updates = story.updates.select_related("author")
    drafts = list(updates.drafts().order_by("-created_at"))
    published = list(updates.for_readers(newest_first=True))
    for update in (*drafts, *published):
        update.story = story
        mark_editable(update, request.user)
    note_reach(published)
    context = {"story": story, "drafts": drafts, "updates": published, "since": story.sequence}
    return {**context, **roles(request, story), **extra}


def row_context(request: HttpRequest, story: Story, update: Update, **extra) -> dict:
    """One update as the timeline shows it, with the desk's change counter moved on so that
    this user's own change is not announced to them as news."""
    update.story = story
    mark_editable(update, request.user)
    note_reach([update])
    return {"story": story, "update": update, "oob_changes": True, **roles(request, story), **extra}


def contributors_context(story: Story, form=None, **extra) -> dict:
    return {
        "story": story,
        "contributors": story.contributors.select_related("user").order_by("user__username"),
        "contributor_form": form or ContributorForm(story=story, auto_id="id_contributor_%s"),
        **extra,
    }


def suggestions_context(story: Story, **extra) -> dict:
    return {
        "story": story,
        "suggestions": story.suggestions.unresolved().order_by("created_at"),
        "resolved_suggestions": story.suggestions.resolved().order_by("-resolved_at")[:5],
        **extra,
    }


def log_context(story: Story, **extra) -> dict:
    """The story's log, newest first: what changed for readers and who changed it."""
    changes = story.changes.select_related("actor", "update").order_by("-sequence")
    return {"story": story, "log": changes[:LOG_LENGTH], **extra}


def readers_context(story: Story, **extra) -> dict:
    """How many read the story now, summed over every server process (models/audience.py)."""
    readers = ReaderCount.objects.reading_now([story.pk]).get(story.pk, ReadersNow())
    return {"story": story, "readers_now": readers, **extra}


def embed_context(request: HttpRequest, story: Story) -> dict:
    """The code a partner site pastes to show the live widget (incidents/embedding.py)."""
    return {"story": story, "embed_code": embed_code(story, site_address(request))}


def desk_context(request: HttpRequest, story: Story, **extra) -> dict:
    """The whole desk page; `extra` replaces any piece (a bound form with its errors, say)."""
    context = {
        **header_context(request, story),
        **compose_context(request, story),
        **timeline_context(request, story),
        # The desk listens to the story's live stream, which only an ASGI server serves (the
        # test suite's WSGI live server does not): elsewhere its poll alone keeps it current.
        "listens": story.is_public and isinstance(request, ASGIRequest),
        **readers_context(story),
        **embed_context(request, story),
    }
    if context["is_editor"]:
        context.update(contributors_context(story))
        context.update(suggestions_context(story))
        context.update(log_context(story))
    return {**context, **extra}
