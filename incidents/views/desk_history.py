"""The revision history of an update: who changed it, when, and a diff of the Markdown."""

import difflib
import re

from django.http import HttpRequest
from django.shortcuts import render
from django.views.decorators.http import require_GET

from incidents.models import Update
from incidents.views.desk import _update_for_desk, desk_login_required

HISTORY_PAGE = "newsroom/update_history.html"

_WORDS = re.compile(r"(\s+)")


def source_diff(old: str, new: str) -> list[tuple[str, str]]:
    """A word-by-word diff of two Markdown sources: ("equal" | "delete" | "insert", text)."""
    a, b = _WORDS.split(old), _WORDS.split(new)
    pieces: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op in ("delete", "replace"):
            pieces.append(("delete", "".join(a[i1:i2])))
        if op in ("insert", "replace"):
            pieces.append(("insert", "".join(b[j1:j2])))
        if op == "equal":
            pieces.append(("equal", "".join(a[i1:i2])))
    return pieces


def revision_history(update: Update) -> list[dict]:
    """Every version of the update, newest first: who wrote it, when, and what changed."""
    revisions = list(update.revisions.select_related("edited_by").order_by("revision"))
    texts = [r.body for r in revisions] + [update.body]
    entries = [
        {
            "revision": 1,
            "by": update.author,
            "at": update.created_at,
            "first": True,
            "diff": [("equal", texts[0])],
        }
    ]
    for index, revision in enumerate(revisions):
        entries.append(
            {
                "revision": revision.revision + 1,
                "by": revision.edited_by,
                "at": revision.edited_at,
                "is_correction": revision.is_correction,
                "correction_note": revision.correction_note,
                "diff": source_diff(texts[index], texts[index + 1]),
            }
        )
    return entries[::-1]


@desk_login_required
@require_GET
def history(request: HttpRequest, slug: str, pk: int):
    story, update = _update_for_desk(request, slug, pk)
    template = f"{HISTORY_PAGE}#history" if request.htmx else HISTORY_PAGE
    context = {"story": story, "update": update, "entries": revision_history(update)}
    return render(request, template, context)
