"""The house rules of src/ingest, read from the source: data flows one way and no module imports in a circle.

Imports are read with `ast` (every import statement, at the top or inside a function), so a lazy import
counts as much as an eager one.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "ingest"
# Stages and shared helpers never reach up into the coordination or operations layers, nor into the
# commands; text/ is the bottom and reaches into no other package of ours but the records.
FORBIDDEN = {
    "text": ("ingest.run", "ingest.ops", "ingest.store", "ingest.extract", "ingest.feeds", "ingest.dedupe",
             "ingest.stories", "ingest.fetch", "ingest.cli"),
    "extract": ("ingest.run", "ingest.ops", "ingest.store", "ingest.stories", "ingest.cli"),
    "feeds": ("ingest.run", "ingest.ops", "ingest.store", "ingest.stories", "ingest.cli"),
    "dedupe": ("ingest.run", "ingest.ops", "ingest.store", "ingest.stories", "ingest.cli"),
    "fetch": ("ingest.run", "ingest.ops", "ingest.store", "ingest.stories", "ingest.cli"),
    "store": ("ingest.run", "ingest.ops", "ingest.stories", "ingest.cli"),
    "outputs": ("ingest.run", "ingest.ops", "ingest.store", "ingest.cli"),
}  # fmt: skip
MAX_LINES = 400


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """The ingest modules a file imports, resolved to module names (a name imported from a package
    counts as the package)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("ingest")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("ingest"):
            # "from ingest.extract import patterns" imports a module; "from ingest.fetch import Fetcher" a name
            package = SRC.parent / node.module.replace(".", "/")
            modules = {f"{node.module}.{a.name}" for a in node.names if (package / f"{a.name}.py").exists()}
            found |= modules or {node.module}
    return found


MODULES = {module_name(path): imports_of(path) for path in sorted(SRC.rglob("*.py"))}


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_lower_layers_do_not_import_higher_ones(package: str) -> None:
    wrong = {
        (module, imported)
        for module, imported_set in MODULES.items()
        if module.startswith(f"ingest.{package}")
        for imported in imported_set
        if imported.startswith(FORBIDDEN[package])
    }
    assert not wrong, f"{package}/ reaches up: {sorted(wrong)}"


def test_no_module_imports_itself_through_others() -> None:
    # Edges between modules; a package's __init__ re-exporting its modules is an edge as well.
    graph = {module: {i for i in imported if i in MODULES and i != module} for module, imported in MODULES.items()}
    cycles = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for nxt in sorted(graph[module]):
            if state.get(nxt) == 1:
                # a package importing its own submodule and back is how __init__ re-exports work
                cycle = path[path.index(nxt):] + [nxt]
                if not all(m.startswith(cycle[0]) or cycle[0].startswith(m) for m in cycle):
                    cycles.append(cycle)
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert not cycles, f"import cycles: {cycles}"


def test_modules_stay_readable_in_one_sitting() -> None:
    # patterns.py is one cohesive table of boilerplate data, exempt as the issue that set the limit says
    long = {
        module_name(path): n
        for path in SRC.rglob("*.py")
        if (n := len(path.read_text().splitlines())) > MAX_LINES and path.name != "patterns.py"
    }
    assert not long, f"modules over {MAX_LINES} lines: {long}"
