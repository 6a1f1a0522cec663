"""python manage.py export_story <slug> [-o FILE] [--format html|md|json]
python manage.py export_story --all --dir DIR [--format ...]

A Markdown file written to disk gets its pictures beside it, in `<slug>-pictures/`, where its
image references point; the HTML export carries them inside itself."""

import shutil
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError

from incidents import export
from incidents.models import Story


class Command(BaseCommand):
    help = (
        "Export a story as one standalone file (HTML, Markdown or JSON), or every public story "
        "into a directory with --all --dir DIR."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", nargs="?", help="the story to export")
        parser.add_argument(
            "-o", "--output", metavar="FILE", help="write here instead of standard output"
        )
        parser.add_argument(
            "--format",
            choices=sorted(export.FORMATS),
            help="html (default), md or json; with -o, the file's extension chooses when omitted",
        )
        parser.add_argument("--all", action="store_true", help="export every public story")
        parser.add_argument("--dir", metavar="DIR", help="with --all: the directory to write to")
        parser.add_argument(
            "--base-url",
            default=getattr(settings, "SITE_URL", ""),
            help="the site's address (https://news.example.com), for links back to the live "
            "story; without one the files carry no such links",
        )

    def handle(self, *args, slug=None, output=None, all=False, dir=None, **options):
        if all:
            if slug or output:
                raise CommandError("Give either a slug (with -o) or --all --dir DIR, not both.")
            if not dir:
                raise CommandError("--all needs --dir DIR to write the files into.")
            self._export_all(Path(dir), options["format"] or "html", options["base_url"])
            return
        if dir:
            raise CommandError("--dir goes with --all; for one story use -o FILE.")
        if not slug:
            raise CommandError("Name the story to export (its slug), or use --all --dir DIR.")
        story = Story.objects.filter(slug=slug).first()
        if story is None:
            raise CommandError(f"No story with the slug “{slug}”.")
        fmt = options["format"] or _format_for(output)
        text = export.export_story(story, fmt, base_url=options["base_url"])
        if output:
            path = Path(output)
            _write(path, text)
            if fmt == "md":
                _write_pictures(path.parent, story)
            self.stderr.write(f"Wrote {path} ({fmt}, {len(text.encode()):,} bytes)", _plain)
        else:
            self.stdout.write(text, ending="")

    def _export_all(self, directory: Path, fmt: str, base_url: str) -> None:
        stories = list(Story.objects.public().prefetch_related("bylines", "tags").order_by("slug"))
        if not stories:
            self.stderr.write("No public stories to export.", _plain)
            return
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise CommandError(f"Could not create {directory}: {error.strerror}") from error
        progress = ProgressBar(self.stderr, total=len(stories))
        for story in stories:
            progress.show(story.slug)
            text = export.export_story(story, fmt, base_url=base_url)
            _write(directory / export.export_filename(story, fmt), text)
            if fmt == "md":
                _write_pictures(directory, story)
            progress.advance()
        progress.finish()
        count = f"{len(stories)} {'story' if len(stories) == 1 else 'stories'}"
        self.stderr.write(f"Exported {count} to {directory}", self.style.SUCCESS)


def _plain(text: str) -> str:
    """Progress and notes go to stderr, which Django colours as errors on a terminal; not these."""
    return text


def _format_for(output: str | None) -> str:
    suffix = Path(output).suffix.lstrip(".").lower() if output else ""
    aliases = {"htm": "html", "markdown": "md"}
    suffix = aliases.get(suffix, suffix)
    return suffix if suffix in export.FORMATS else "html"


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise CommandError(f"Could not write {path}: {error.strerror}") from error


def _write_pictures(directory: Path, story: Story) -> None:
    for relative, name in export.picture_files(story):
        path = directory / relative
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with default_storage.open(name) as stored:
                path.write_bytes(stored.read())
        except OSError as error:
            raise CommandError(f"Could not write {path}: {error.strerror}") from error


class ProgressBar:
    """One line on stderr, redrawn in place on a terminal: [#####.....]  5/10 slug.
    Elsewhere (a log, a test) each step is its own line, so nothing is lost to carriage returns."""

    WIDTH = 30

    def __init__(self, out, total: int):
        self.out = out
        self.total = total
        self.done = 0
        self.tty = out.isatty()

    def _line(self, label: str) -> str:
        filled = round(self.WIDTH * self.done / self.total)
        bar = "#" * filled + "." * (self.WIDTH - filled)
        width = len(str(self.total))
        return f"[{bar}] {self.done:>{width}}/{self.total} {label}"

    def show(self, label: str) -> None:
        line = self._line(label)
        if self.tty:
            columns = shutil.get_terminal_size().columns
            self.out.write("\r" + line[: columns - 1].ljust(columns - 1), _plain, ending="")
            self.out.flush()
        else:
            self.out.write(line, _plain)

    def advance(self) -> None:
        self.done += 1

    def finish(self) -> None:
        self.show("done")
        if self.tty:
            self.out.write("", _plain)
