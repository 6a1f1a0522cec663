"""python manage.py issue_token <username> [--name NAME]: a JSON API token, printed once."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from incidents.models import ApiToken


class Command(BaseCommand):
    help = (
        "Issue a JSON API token for a user and print it once; only a hash is stored. "
        "The token acts with that user's permissions. Revoke it on the newsroom profile page."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="What the token is for, e.g. 'status bot'")

    def handle(self, *args, username, name, **options):
        User = get_user_model()
        try:
            user = User.objects.get(**{User.USERNAME_FIELD: username})
        except User.DoesNotExist:
            raise CommandError(f"There is no user called “{username}”.") from None
        if not user.is_active:
            raise CommandError(f"{username} is deactivated; a token for them would not work.")
        name = name.strip()
        if len(name) > ApiToken._meta.get_field("name").max_length:
            raise CommandError("The --name can be at most 100 characters.")
        _, raw = ApiToken.issue(user, name=name)
        # The token alone on stdout, so a script can capture it; the advice goes to stderr.
        self.stdout.write(raw)
        self.stderr.write(
            f"Token issued for {username}{f' ({name})' if name else ''}. It is shown only now; "
            "send it as: Authorization: Bearer <token>"
        )
