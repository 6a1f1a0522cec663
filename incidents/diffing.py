"""Word-by-word diffs of Markdown sources: the desk's revision history and its edit conflicts."""

import difflib
import re

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


def revision_history(update) -> list[dict]:
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
