# Reading order per story (issue 12, multi-day stories): oldest first like the seed, or newest first.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('incidents', '0007_webhooks'),
    ]

    operations = [
        migrations.AddField(
            model_name='story',
            name='reading_order',
            field=models.CharField(choices=[('oldest', 'Oldest first'), ('newest', 'Newest first')], default='oldest', help_text='The order readers get the updates in, unless they choose their own.', max_length=6),
        ),
    ]
