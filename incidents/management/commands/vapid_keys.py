"""python manage.py vapid_keys --subject mailto:desk@example.com: a new VAPID key pair for Web
Push, printed as the three environment variables (README, "Push notifications")."""

from django.core.management.base import BaseCommand, CommandError

from liveblog.vapid import SUBJECT_PATTERN, new_keys


class Command(BaseCommand):
    help = (
        "Print a new VAPID key pair for browser push notifications, as VAPID_PRIVATE_KEY, "
        "VAPID_PUBLIC_KEY and VAPID_SUBJECT lines for the environment. Keep the private key "
        "secret; changing the pair later ends every reader's subscription."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--subject",
            required=True,
            help="How push services reach the site's operator: mailto:someone@example.com",
        )

    def handle(self, *args, subject, **options):
        if not SUBJECT_PATTERN.match(subject):
            raise CommandError(f"--subject must be a mailto: or https: address, not {subject!r}.")
        for name, value in new_keys(subject).items():
            self.stdout.write(f"{name}={value}")
