"""Imports run one way (ARCHITECTURE.md): `inqom_connector` → `partner_apps` → `ged` →
`welyb_portal.tenancy`, and only the composition root (the rest of `welyb_portal`: settings,
URLconf, Celery app, webhooks' wiring) names every app. Within that order, no module imports
one that imports it back, not even from inside a function: an import put off until a call hides
a cycle, it does not remove it.

One shape is allowed, Celery's: a service enqueues its task by importing the `tasks` module
inside the function that enqueues, while the task module imports the service it runs."""

import ast
import functools
import graphlib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("welyb_portal", "ged", "partner_apps", "inqom_connector")
TENANCY = "welyb_portal.tenancy"


@dataclass(frozen=True)
class Import:
    source: str
    target: str
    line: int
    # Inside a function's body: run at its first call, not when the module loads.
    deferred: bool

    def __str__(self) -> str:
        where = "in a function" if self.deferred else "at module level"
        return f"{self.source} imports {self.target} ({where}, line {self.line})"


def _modules(packages=PACKAGES) -> dict[str, Path]:
    """Each module of the `packages` (the project's, by default), and its file."""
    found = {}
    for package in packages:
        for path in (ROOT / package).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _under_type_checking(node: ast.AST) -> bool:
    if not isinstance(node, ast.If):
        return False
    return "TYPE_CHECKING" in (getattr(node.test, "id", None), getattr(node.test, "attr", None))


def _statements(nodes, *, deferred: bool = False):
    """Each import statement, with whether it waits for a call. What `if TYPE_CHECKING:`
    guards never runs."""
    for node in nodes:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node, deferred
        elif _under_type_checking(node):
            yield from _statements(node.orelse, deferred=deferred)
        elif not isinstance(node, ast.expr):  # an expression holds no statement
            inner = isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            yield from _statements(ast.iter_child_nodes(node), deferred=deferred or inner)


def _targets(node: ast.Import | ast.ImportFrom, *, package: str, modules) -> set[str]:
    """The project's modules a statement loads: `from .x import y` names `….x.y` when y is a
    module, else `….x`."""
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names if alias.name in modules}
    base = node.module or ""
    if node.level:
        parts = package.split(".")
        parts = parts[: len(parts) - node.level + 1]
        base = ".".join([*parts, *([node.module] if node.module else [])])
    return {
        f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
        for alias in node.names
        if f"{base}.{alias.name}" in modules or base in modules
    }


def imports_of(module: str, source: str, *, package: str, modules) -> list[Import]:
    """The imports of the project's `modules` that `module`, of `package`, makes in `source`."""
    return [
        Import(module, target, node.lineno, deferred)
        for node, deferred in _statements(ast.parse(source).body)
        for target in sorted(_targets(node, package=package, modules=modules) - {module})
    ]


def _imports(modules: dict[str, Path]) -> list[Import]:
    """Every import, among `modules`, that one of them makes."""
    return [
        edge
        for module, path in modules.items()
        for edge in imports_of(
            module,
            path.read_text(encoding="utf-8"),
            package=module if path.name == "__init__.py" else module.rpartition(".")[0],
            modules=modules,
        )
    ]


@functools.cache
def scan(packages: tuple[str, ...] = PACKAGES) -> tuple[dict[str, Path], list[Import]]:
    """The modules of `packages` and the imports among them: read by the tests that need them,
    once, rather than by every pytest-xdist worker when it imports this module."""
    modules = _modules(packages)
    return modules, _imports(modules)


def _enqueues_a_task(edge: Import) -> bool:
    return edge.deferred and edge.target.rpartition(".")[2] == "tasks"


def cycle(edges: list[Import]) -> list[Import]:
    """The imports of one cycle among `edges` (empty when there is none)."""
    graph: dict[str, set[str]] = {}
    for edge in edges:
        graph.setdefault(edge.source, set()).add(edge.target)
    try:
        graphlib.TopologicalSorter(graph).prepare()
    except graphlib.CycleError as error:
        members = set(error.args[1])
        return [edge for edge in edges if {edge.source, edge.target} <= members]
    return []


SAMPLE = """
from typing import TYPE_CHECKING

import app.a
from .. import b
from ..c import something

if TYPE_CHECKING:
    from ..e import only_for_types

def later():
    from ..d import thing

class Kept:
    from . import f
"""


def test_the_scan_reads_each_kind_of_import():
    modules = {"app", "app.a", "app.b", "app.c", "app.d", "app.e", "app.sub", "app.sub.f"}
    found = imports_of("app.sub.g", SAMPLE, package="app.sub", modules=modules)
    assert {(edge.target, edge.deferred) for edge in found} == {
        ("app.a", False),
        ("app.b", False),
        ("app.c", False),
        ("app.d", True),
        ("app.sub.f", False),
    }


def test_the_scan_finds_a_cycle_hidden_in_a_function():
    hidden = [
        Import("ged.a", "ged.b", 1, deferred=False),
        Import("ged.b", "ged.c", 1, deferred=False),
        Import("ged.c", "ged.a", 9, deferred=True),
    ]
    assert cycle([*hidden, Import("ged.c", "ged.d", 1, deferred=False)]) == hidden
    assert cycle(hidden[:2]) == []


def test_the_scan_sees_the_whole_project():
    # A scan that found nothing would let any cycle through.
    modules, imports = scan()
    assert len(modules) > 100
    assert len(imports) > len(modules)
    assert any(edge.deferred for edge in imports)


def test_no_module_imports_one_that_imports_it_back():
    found = cycle([edge for edge in scan()[1] if not _enqueues_a_task(edge)])
    assert not found, "an import cycle:\n" + "\n".join(map(str, found))


def _layer(module: str) -> str:
    if module == TENANCY or module.startswith(TENANCY + "."):
        return "tenancy"
    return module.split(".")[0]


# What each layer may import, besides itself. `welyb_portal` outside the tenancy core is the
# composition root: nobody imports it, it may import everyone.
MAY_IMPORT = {
    "tenancy": set(),
    "ged": {"tenancy"},
    "partner_apps": {"tenancy", "ged"},
    "inqom_connector": {"tenancy", "ged", "partner_apps"},
    "welyb_portal": {"tenancy", "ged", "partner_apps", "inqom_connector"},
}


def test_imports_run_one_way_between_the_apps():
    against = [
        str(edge)
        for edge in scan()[1]
        if _layer(edge.source) != _layer(edge.target)
        and _layer(edge.target) not in MAY_IMPORT[_layer(edge.source)]
    ]
    assert not against, "imports against the layers:\n" + "\n".join(against)


# --- The tests' own imports ---------------------------------------------------------------------
# A test module lends nothing: what two test modules share lives in a helper module, and what
# two apps' tests share lives in tests/helpers/ (or tests/pages.py, tests/factories.py), never in
# one app's test folder. Otherwise running, moving or deleting one test file breaks another.

APP_TEST_FOLDERS = ("ged", "partner_apps", "tenancy")


def _app_test_folder(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 and parts[1] in APP_TEST_FOLDERS else None


def borrowings(edges: list[Import]) -> list[str]:
    """The imports among `edges` of a test module, or of another app's test folder."""
    found = []
    for edge in edges:
        if edge.target.rpartition(".")[2].startswith("test_"):
            found.append(f"{edge}: a test module")
        elif _app_test_folder(edge.target) not in (None, _app_test_folder(edge.source)):
            found.append(f"{edge}: another app's test folder")
    return found


TESTS = ("tests",)

BORROWING_SAMPLE = """
from tests.ged import test_pages
from tests.ged.page_helpers import folder_url
from tests.helpers.documents import deposit
from tests.pages import text_of
from tests.tenancy.login_helpers import form_errors

def later():
    from tests.test_isolation import MATRIX
"""


def test_the_scan_catches_a_test_module_or_another_apps_folder_borrowed_from():
    modules = {
        "tests.ged.test_pages",
        "tests.ged.page_helpers",
        "tests.helpers.documents",
        "tests.pages",
        "tests.tenancy.login_helpers",
        "tests.test_isolation",
    }
    found = imports_of("tests.ged.test_api", BORROWING_SAMPLE, package="tests.ged", modules=modules)
    assert {edge.target for edge in found} == modules
    assert sorted(borrowings(found)) == sorted(
        [
            "tests.ged.test_api imports tests.ged.test_pages (at module level, line 2): "
            "a test module",
            "tests.ged.test_api imports tests.tenancy.login_helpers (at module level, line 6): "
            "another app's test folder",
            "tests.ged.test_api imports tests.test_isolation (in a function, line 9): "
            "a test module",
        ]
    )


def test_the_scan_sees_every_test_folder():
    # A scan that found nothing would let any borrowing through.
    modules, imports = scan(TESTS)
    folders = {module.split(".")[1] for module in modules if module.count(".") > 1}
    assert {"browser", "helpers", "integration", *APP_TEST_FOLDERS} <= folders
    assert len(imports) > len(modules)


def test_no_test_imports_a_test_module_or_another_apps_test_folder():
    found = borrowings(scan(TESTS)[1])
    assert not found, "tests borrowing from others:\n" + "\n".join(found)
