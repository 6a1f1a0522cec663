"""The limits issue 9 set on the code's shape, checked on every run so they cannot drift back:
modules of at most 400 lines, views of at most 30, and no module reaching into another's
underscore names."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "incidents"
# Data tables, not logic: the demo story's prose.
LONG_ON_PURPOSE = {"demo.py"}
MODULES = sorted(
    path
    for path in PACKAGE.rglob("*.py")
    if "migrations" not in path.parts and path.name not in LONG_ON_PURPOSE
)
VIEW_ROOMS = ("views", "api", "live")


def _name(path: Path) -> str:
    return str(path.relative_to(ROOT))


def test_there_are_modules_to_check():
    assert len(MODULES) > 20
    assert any(path.parent.name == "models" for path in MODULES)


@pytest.mark.parametrize("path", MODULES, ids=_name)
def test_no_module_is_over_400_lines(path):
    lines = len(path.read_text().splitlines())

    assert lines <= 400, f"{_name(path)} has {lines} lines"


@pytest.mark.parametrize("path", MODULES, ids=_name)
def test_no_module_imports_another_modules_underscore_names(path):
    tree = ast.parse(path.read_text())
    private = [
        f"{node.module}.{alias.name}"
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("incidents")
        for alias in node.names
        if alias.name.startswith("_")
    ]

    assert private == []


def _is_view(node: ast.FunctionDef) -> bool:
    """A function that takes the request first and is not a private helper."""
    args = node.args.args
    return bool(args) and args[0].arg == "request" and not node.name.startswith("_")


VIEWS = [
    (path, node)
    for path in MODULES
    if any(room in path.relative_to(PACKAGE).parts[:-1] for room in VIEW_ROOMS)
    for node in ast.walk(ast.parse(path.read_text()))
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and _is_view(node)
]


def test_there_are_views_to_check():
    assert len(VIEWS) > 25


@pytest.mark.parametrize("path,view", VIEWS, ids=lambda v: getattr(v, "name", None))
def test_no_view_is_over_30_lines(path, view):
    lines = view.end_lineno - view.lineno + 1

    assert lines <= 30, f"{_name(path)}:{view.lineno} {view.name} has {lines} lines"
