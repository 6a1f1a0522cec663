"""python manage.py prune_pictures [--hours N]

Pictures uploaded on the desk or through the API but never published with an update (the
journalist removed them, or never sent the update) are deleted with their files once they are
older than N hours (24 by default). Run it from cron."""

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils.timezone import now

from incidents.models import Picture


class Command(BaseCommand):
    help = "Delete pictures never used by an update, with their files, after some hours."

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=int, default=24, help="older than this (24)")

    def handle(self, *args, hours=24, **options):
        abandoned = list(Picture.objects.abandoned(now() - timedelta(hours=hours)))
        for picture in abandoned:
            picture.discard()
        self.stdout.write(f"Deleted {len(abandoned)} unused picture(s).")
