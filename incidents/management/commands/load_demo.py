from django.core.management.base import BaseCommand

from incidents.demo import ensure_demo_editor, load_demo_story


class Command(BaseCommand):
    help = "Load the demo outage story and make sure the demo editor account exists. Safe to rerun."

    def handle(self, *args, **options):
        editor, password = ensure_demo_editor()
        story = load_demo_story(editor)
        if story:
            self.stdout.write(f"Loaded the demo story: {story.get_absolute_url()}")
        else:
            self.stdout.write("The demo story is already there; left it as it is.")
        if password:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo editor created. Sign in at /accounts/login/ as "
                    f"username: {editor.username}  password: {password}\n"
                    f"(shown once; change it with: python manage.py changepassword "
                    f"{editor.username})"
                )
            )
