"""Search across stories and updates: `search(query, page=...)`, one function for both databases.

The entries searched are kept in step with the story's log (incidents/models/search_entry.py).
On SQLite they are indexed by FTS5 (the table `incidents_search_fts`, created with its triggers by
migration 0006); on PostgreSQL each entry's tsvector is a stored, generated column with a GIN
index (same migration), which the query reads for matching and ranking.
Readers find only what they may read: entries of public stories, and of updates that are still
published, whatever the index holds.

A query is read the same way on both: words (runs of letters and digits) and "quoted phrases",
all of which must appear, English stemming ("failing" finds "failed"). Nothing a reader types is
passed on as query syntax, so `"`, `*`, `NEAR(`, `-` or a NUL byte are just text.
"""

import unicodedata
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from incidents.models import SearchEntry, Story, Update
from incidents.rendering import MATCH_END, MATCH_START

RESULTS_PER_PAGE = 20
# What of a query is read: its first characters and first terms.
MAX_QUERY_CHARS = 200
MAX_TERMS = 12
SNIPPET_WORDS = 30
_NO_MARKS = {ord(MATCH_START): " ", ord(MATCH_END): " "}
CONFIG = "english"


@dataclass(frozen=True)
class Hit:
    """One result: a story, or one of its updates, with the matching text highlighted (in a
    story's result, its headline too)."""

    story: Story
    update: Update | None
    snippet: SafeString
    headline: SafeString

    @property
    def url(self) -> str:
        return self.update.get_absolute_url() if self.update else self.story.get_absolute_url()


def cleaned(query: str) -> str:
    """A query as it is read and shown back: its first MAX_QUERY_CHARS characters, without
    control characters (a NUL byte included) or runs of spaces."""
    query = "".join(c if c.isprintable() else " " for c in query[:MAX_QUERY_CHARS])
    return " ".join(query.split())


def terms(query: str) -> list[list[str]]:
    """The phrases of a query, each a list of words; a bare word is a phrase of one."""
    query = cleaned(query)
    chunks = query.split('"')
    phrases = []
    for position, chunk in enumerate(chunks):
        quoted = position % 2 == 1 and position < len(chunks) - 1
        pieces = [chunk] if quoted else chunk.split()
        for piece in pieces:
            words = _words(piece)
            if words:
                phrases.append(words)
    return phrases[:MAX_TERMS]


def _words(text: str) -> list[str]:
    # What FTS5's unicode61 tokenizer counts as word characters: letters and numbers.
    kept = "".join(c if unicodedata.category(c)[0] in "LN" else " " for c in text)
    return kept.lower().split()


def search(query: str, page=1) -> Page:
    """The page `page` of what readers may find for `query`, best matches first, as `Hit`s.
    Raises django.core.paginator.InvalidPage for a page that does not exist (page 1 always
    does, empty or not)."""
    phrases = terms(query)
    if not phrases:
        return Paginator([], RESULTS_PER_PAGE).page(page)
    backend = Postgres(phrases) if connection.vendor == "postgresql" else Sqlite(phrases)
    result = Paginator(backend.matches(), RESULTS_PER_PAGE).page(page)
    # Snippets are made for the page's entries only: the costly part of a search.
    entries = list(result.object_list)
    snippets = backend.snippets([entry.pk for entry in entries])
    result.object_list = [_hit(entry, *snippets.get(entry.pk, ("", ""))) for entry in entries]
    return result


def _hit(entry: SearchEntry, snippet: str, title: str) -> Hit:
    if entry.update is not None:
        entry.update.story = entry.story
    # The headline with its matches marked, for a story's own entry (its title is the
    # headline); an update's result shows its story's headline as it is.
    headline = title if entry.update is None and title else unmarked(entry.story.full_headline)
    return Hit(entry.story, entry.update, highlighted(snippet), highlighted(headline))


def unmarked(text: str) -> str:
    """Text without the two characters our highlights are made of: a writer cannot fake one."""
    return text.translate(_NO_MARKS)


def highlighted(snippet: str) -> SafeString:
    """The index's snippet, escaped, with only our own markers turned into <mark>."""
    marked = escape(snippet).replace(MATCH_START, "<mark>").replace(MATCH_END, "</mark>")
    return mark_safe(marked)  # noqa: S308 - escaped above; the markers never occur in text


def _entries(ids: list[int]) -> list[SearchEntry]:
    """The entries with these ids, in this order (one may have gone since: it is left out)."""
    found = SearchEntry.objects.select_related("story", "update").in_bulk(ids)
    return [found[pk] for pk in ids if pk in found]


# --- PostgreSQL --------------------------------------------------------------------------------


class Postgres:
    """PostgreSQL's full-text search over each entry's stored tsvector (migration 0006: a
    generated column, title weighted A and body B, with a GIN index)."""

    def __init__(self, phrases: list[list[str]]):
        from django.contrib.postgres.search import SearchQuery, SearchVectorField

        self.document = RawSQL(
            "incidents_searchentry.document", (), output_field=SearchVectorField()
        )
        self.query = SearchQuery(" ".join(phrases[0]), search_type="phrase", config=CONFIG)
        for words in phrases[1:]:
            self.query &= SearchQuery(" ".join(words), search_type="phrase", config=CONFIG)

    def matches(self):
        from django.contrib.postgres.search import SearchRank

        readable = Q(update=None) | Q(update__state=Update.State.PUBLISHED)
        return (
            SearchEntry.objects.annotate(document=self.document)
            .filter(readable, document=self.query)
            .exclude(story__state=Story.State.DRAFT)
            .annotate(rank=SearchRank(self.document, self.query))
            .select_related("story", "update")
            .order_by("-rank", "-pk")
        )

    def snippets(self, ids: list[int]) -> dict[int, tuple[str, str]]:
        """Each entry's snippet, and its whole title with every match marked."""
        from django.contrib.postgres.search import SearchHeadline

        title = SearchHeadline(
            "title",
            self.query,
            config=CONFIG,
            start_sel=MATCH_START,
            stop_sel=MATCH_END,
            highlight_all=True,
        )
        snippet = SearchHeadline(
            "body",
            self.query,
            config=CONFIG,
            start_sel=MATCH_START,
            stop_sel=MATCH_END,
            max_words=SNIPPET_WORDS,
            min_words=SNIPPET_WORDS // 2,
        )
        rows = SearchEntry.objects.filter(pk__in=ids).annotate(snippet=snippet, marked=title)
        return {
            pk: (text, marked) for pk, text, marked in rows.values_list("pk", "snippet", "marked")
        }


# --- SQLite ------------------------------------------------------------------------------------

_SQLITE_MATCHES = """
    FROM incidents_search_fts
    JOIN incidents_searchentry AS entry ON entry.id = incidents_search_fts.rowid
    JOIN incidents_story AS story ON story.id = entry.story_id
    LEFT JOIN incidents_update AS upd ON upd.id = entry.update_id
    WHERE incidents_search_fts MATCH %s AND story.state <> %s
      AND (entry.update_id IS NULL OR upd.state = %s)
"""


class Sqlite:
    """SQLite's FTS5 table over the entries (migration 0006), ranked by bm25, title first."""

    def __init__(self, phrases: list[list[str]]):
        # Each phrase quoted, so FTS5 reads it as text only: the words hold no quote.
        self.match = " ".join('"' + " ".join(words) + '"' for words in phrases)

    def matches(self) -> "SqliteMatches":
        return SqliteMatches([self.match, Story.State.DRAFT, Update.State.PUBLISHED])

    def snippets(self, ids: list[int]) -> dict[int, tuple[str, str]]:
        """Each entry's snippet, and its whole title with every match marked."""
        if not ids:
            return {}
        placeholders = ", ".join(["%s"] * len(ids))
        sql = (
            "SELECT rowid, snippet(incidents_search_fts, 1, %s, %s, '…', %s),"  # noqa: S608
            " highlight(incidents_search_fts, 0, %s, %s)"
            " FROM incidents_search_fts WHERE incidents_search_fts MATCH %s"
            f" AND rowid IN ({placeholders})"
        )
        marks = [MATCH_START, MATCH_END]
        with connection.cursor() as cursor:
            cursor.execute(sql, [*marks, SNIPPET_WORDS, *marks, self.match, *ids])
            return {pk: (snippet, title) for pk, snippet, title in cursor.fetchall()}


class SqliteMatches:
    """The matching entries as the Paginator reads them: a count, and one slice per page."""

    def __init__(self, params: list):
        self.params = params

    def count(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) {_SQLITE_MATCHES}", self.params)  # noqa: S608
            return cursor.fetchone()[0]

    def __getitem__(self, bounds: slice) -> list[SearchEntry]:
        sql = (
            f"SELECT entry.id {_SQLITE_MATCHES}"  # noqa: S608 - no value in it but the parameters
            " ORDER BY bm25(incidents_search_fts, 4.0, 1.0), entry.id DESC LIMIT %s OFFSET %s"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*self.params, bounds.stop - bounds.start, bounds.start])
            return _entries([pk for (pk,) in cursor.fetchall()])
