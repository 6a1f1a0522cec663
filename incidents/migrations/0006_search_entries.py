# Search (issue 12): one entry per story and per published update, the index over them (FTS5 on
# SQLite, kept equal to the table by triggers; a stored tsvector with a GIN index on PostgreSQL),
# and the entries for everything already published.

import django.db.models.deletion
from django.db import migrations, models

from incidents.rendering import searchable_text

# On PostgreSQL each entry's tsvector is stored beside it, the database keeping it in step
# (a generated column), so ranking and phrase checks read it instead of parsing the text again;
# the GIN index is over that column. Django's model does not name it: incidents/search.py does.
POSTGRES_INDEX = [
    "ALTER TABLE incidents_searchentry ADD COLUMN document tsvector GENERATED ALWAYS AS ("
    " setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A')"
    " || setweight(to_tsvector('english'::regconfig, coalesce(body, '')), 'B')) STORED",
    "CREATE INDEX search_entry_document ON incidents_searchentry USING gin (document)",
]
POSTGRES_DROP = [
    "DROP INDEX IF EXISTS search_entry_document",
    "ALTER TABLE incidents_searchentry DROP COLUMN IF EXISTS document",
]

SQLITE_INDEX = [
    "CREATE VIRTUAL TABLE incidents_search_fts USING fts5(title, body,"
    " content='incidents_searchentry', content_rowid='id',"
    " tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER incidents_search_fts_insert AFTER INSERT ON incidents_searchentry BEGIN"
    " INSERT INTO incidents_search_fts(rowid, title, body) VALUES (new.id, new.title, new.body);"
    " END",
    "CREATE TRIGGER incidents_search_fts_delete AFTER DELETE ON incidents_searchentry BEGIN"
    " INSERT INTO incidents_search_fts(incidents_search_fts, rowid, title, body)"
    " VALUES ('delete', old.id, old.title, old.body);"
    " END",
    "CREATE TRIGGER incidents_search_fts_update AFTER UPDATE ON incidents_searchentry BEGIN"
    " INSERT INTO incidents_search_fts(incidents_search_fts, rowid, title, body)"
    " VALUES ('delete', old.id, old.title, old.body);"
    " INSERT INTO incidents_search_fts(rowid, title, body) VALUES (new.id, new.title, new.body);"
    " END",
    # Whatever the table already holds goes into the index.
    "INSERT INTO incidents_search_fts(incidents_search_fts) VALUES ('rebuild')",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS incidents_search_fts_insert",
    "DROP TRIGGER IF EXISTS incidents_search_fts_delete",
    "DROP TRIGGER IF EXISTS incidents_search_fts_update",
    "DROP TABLE IF EXISTS incidents_search_fts",
]


def enter_what_is_published(apps, schema_editor):
    Story = apps.get_model("incidents", "Story")
    Update = apps.get_model("incidents", "Update")
    SearchEntry = apps.get_model("incidents", "SearchEntry")
    db = schema_editor.connection.alias
    for story in Story.objects.using(db).iterator():
        title = f"{story.headline} ({story.headline_suffix})" if story.headline_suffix else story.headline
        body = " ".join(part for part in (story.dek, searchable_text(story.intro_html)) if part)
        SearchEntry.objects.using(db).create(story=story, title=title, body=body)
    published = Update.objects.using(db).filter(state="published").only("story_id", "body_html")
    entries = (
        SearchEntry(story_id=u.story_id, update_id=u.pk, body=searchable_text(u.body_html))
        for u in published.iterator()
    )
    SearchEntry.objects.using(db).bulk_create(entries, batch_size=500)


def create_index(apps, schema_editor):
    statements = {"postgresql": POSTGRES_INDEX, "sqlite": SQLITE_INDEX}
    for statement in statements.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement)


def drop_index(apps, schema_editor):
    statements = {"postgresql": POSTGRES_DROP, "sqlite": SQLITE_DROP}
    for statement in statements.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ('incidents', '0005_intro_formatting'),
    ]

    operations = [
        migrations.CreateModel(
            name='SearchEntry',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('title', models.TextField(blank=True)),
                ('body', models.TextField(blank=True)),
                ('story', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='search_entries', to='incidents.story')),
                ('update', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='search_entry', to='incidents.update')),
            ],
            options={
                'verbose_name_plural': 'search entries',
                'constraints': [models.UniqueConstraint(condition=models.Q(('update', None)), fields=('story',), name='one_search_entry_per_story')],
            },
        ),
        migrations.RunPython(enter_what_is_published, migrations.RunPython.noop),
        migrations.RunPython(create_index, drop_index),
    ]
