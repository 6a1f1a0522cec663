# Fewer queries for a reader's page (issue 12). The corrections log reads a story's corrections
# by the story: each revision keeps its update's story, and the partial index of corrections is
# on (story, edited_at). A story's bylines and tags are cached under its credits_version.

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill_in_the_story(apps, schema_editor):
    Revision = apps.get_model("incidents", "Revision")
    Update = apps.get_model("incidents", "Update")
    story = Update.objects.filter(pk=OuterRef("update_id")).values("story_id")[:1]
    Revision.objects.update(story_id=Subquery(story))


class Migration(migrations.Migration):

    dependencies = [
        ('incidents', '0011_key_events_index'),
    ]

    operations = [
        migrations.AddField(
            model_name='story',
            name='credits_version',
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.RemoveIndex(model_name='revision', name='revision_correction'),
        migrations.AddField(
            model_name='revision',
            name='story',
            field=models.ForeignKey(editable=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='incidents.story'),
        ),
        migrations.RunPython(fill_in_the_story, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name='revision',
            name='story',
            field=models.ForeignKey(editable=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='incidents.story'),
        ),
        migrations.AddIndex(
            model_name='revision',
            index=models.Index(condition=models.Q(('is_correction', True)), fields=['story', 'edited_at'], name='revision_correction'),
        ),
    ]
