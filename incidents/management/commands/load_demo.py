from django.core.management.base import BaseCommand

from incidents.demo import DEMOS, change_password_command, ensure_demo_editor, load_demo_stories


class Command(BaseCommand):
    help = (
        "Load the demo stories (one ended, one live; times relative to now) and make sure the "
        "demo editor account exists. Safe to rerun: a story already there is left as it is."
    )

    def handle(self, *args, **options):
        editor, password = ensure_demo_editor()
        loaded = load_demo_stories(editor)
        for story in loaded:
            self.stdout.write(f"Loaded the demo story {story.get_absolute_url()}")
        if len(loaded) < len(DEMOS):
            self.stdout.write("The other demo stories are already there; left them as they are.")
        if password:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo editor created: username: {editor.username}  password: {password}\n"
                    f"(shown once; change it with: "
                    f"{change_password_command(editor.username)})"
                )
            )
