"""The checkout's own settings file, `.env`: what `make run` set up for this machine.

`make run` writes it once (DEBUG=1, and a SECRET_KEY and VAPID keys for Web Push generated for
this checkout; keys a later version needs are added to an older file), so that the
README's `manage.py` commands work as written after it. The settings read it before anything
else; a variable already in the environment wins over the file, and without the file nothing
changes: DEBUG stays off and SECRET_KEY is required. It is git-ignored and never deployed.
"""

import os
import secrets
import sys
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

# Push services want a way to reach whoever sends; a development checkout has nobody to reach.
LOCAL_VAPID_SUBJECT = "mailto:desk@localhost"


def read_local_env(path: str | os.PathLike) -> dict[str, str]:
    """Fill the environment from `path` (KEY=VALUE lines, # comments), leaving alone every
    variable that is already set. Returns what the file holds; a missing file (or an empty
    path) holds nothing. A line that is not KEY=VALUE stops start-up, naming file and line."""
    if not path:
        return {}
    path = Path(path)
    if not path.is_file():
        return {}
    found = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, equals, value = line.partition("=")
        name = name.strip()
        if not equals or not name.isidentifier():
            raise ImproperlyConfigured(f"{path}, line {number}: expected NAME=value, not {line!r}")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        found[name] = value
    for name, value in found.items():
        os.environ.setdefault(name, value)
    return found


def write_local_env(path: str | os.PathLike) -> bool:
    """Write a development `.env` at `path` unless one is there; to one that is there, add what
    a later version of the project needs and it lacks (VAPID keys for Web Push). What it holds
    is never changed. True when it wrote anything."""
    path = Path(path)
    if path.exists():
        return _add_missing(path)
    text = (
        "# Written by `make run` for this checkout only (git-ignored; never deploy it).\n"
        "# The environment wins over these; remove the file to run with production's rules.\n"
        "DEBUG=1\n"
        f"SECRET_KEY={secrets.token_urlsafe(50)}\n"
        f"{_vapid_lines()}"
    )
    # Created readable by its owner only: it holds the key that signs sessions.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text)
    return True


def _vapid_lines(held: frozenset[str] = frozenset()) -> str:
    """A VAPID key pair for this checkout's push notifications (liveblog/vapid.py), without
    the lines of `held` names (a subject of the developer's own stays)."""
    from liveblog.vapid import new_keys

    keys = new_keys(LOCAL_VAPID_SUBJECT)
    return "".join(f"{name}={value}\n" for name, value in keys.items() if name not in held)


def _add_missing(path: Path) -> bool:
    held = frozenset(read_names(path))
    if {"VAPID_PRIVATE_KEY", "VAPID_PUBLIC_KEY"} & held:
        return False
    text = path.read_text(encoding="utf-8")
    with path.open("a", encoding="utf-8") as file:
        file.write(("" if text.endswith("\n") or not text else "\n") + _vapid_lines(held))
    return True


def read_names(path: Path) -> list[str]:
    """The names a local file sets, without touching the environment."""
    names = []
    for line in path.read_text(encoding="utf-8").splitlines():
        name, equals, _ = line.strip().partition("=")
        if equals and not line.strip().startswith("#"):
            names.append(name.strip())
    return names


if __name__ == "__main__":
    # `python -m liveblog.localenv .env`, from `make run`.
    target = Path(sys.argv[1] if len(sys.argv) > 1 else ".env")
    existed = target.exists()
    if write_local_env(target):
        if existed:
            print(f"Added VAPID keys for push notifications to {target}.")
        else:
            print(
                f"Wrote {target}: DEBUG=1, a SECRET_KEY and VAPID keys for this checkout "
                "(git-ignored)."
            )
