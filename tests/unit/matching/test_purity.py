"""matching/ is pure: it imports nothing of ours, no clock and no I/O (checked with ast)."""

from __future__ import annotations

import ast
from pathlib import Path

MATCHING = Path(__file__).resolve().parents[3] / "matching"
OURS = ("bot", "handlers", "storage")
# Clocks, randomness and I/O have no place in the engine. (taxonomy.py reads its own CSV once.)
FORBIDDEN = (
    "time",
    "datetime",
    "random",
    "os",
    "pathlib",
    "io",
    "socket",
    "sqlite3",
    "subprocess",
    "urllib",
    "http",
    "requests",
    "httpx",
    "logging.handlers",
)
DATA_MODULES = {"taxonomy.py"}


def _imports(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.append(node.module)
    return names


def test_no_imports_from_other_layers() -> None:
    files = sorted(MATCHING.glob("*.py"))
    assert files
    for path in files:
        for name in _imports(path):
            assert name.split(".")[0] not in OURS, f"{path.name} imports {name}"


def test_no_clock_randomness_or_io() -> None:
    for path in sorted(MATCHING.glob("*.py")):
        if path.name in DATA_MODULES:
            continue
        for name in _imports(path):
            assert name not in FORBIDDEN and name.split(".")[0] not in FORBIDDEN, (
                f"{path.name} imports {name}"
            )
        calls = {
            n.func.id
            for n in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
        }
        assert "open" not in calls and "print" not in calls, path.name


def _public(body: list[ast.stmt]) -> list[ast.FunctionDef | ast.ClassDef]:
    return [
        n
        for n in body
        if isinstance(n, ast.FunctionDef | ast.ClassDef) and not n.name.startswith("_")
    ]


def test_every_module_and_public_function_has_a_docstring() -> None:
    for path in sorted(MATCHING.glob("*.py")):
        if path.name in DATA_MODULES:  # owned and tested elsewhere
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        assert ast.get_docstring(tree), path.name
        for node in _public(tree.body):
            assert ast.get_docstring(node), f"{path.name}: {node.name}"
            protocol = isinstance(node, ast.ClassDef) and any(
                isinstance(b, ast.Name) and b.id == "Protocol" for b in node.bases
            )
            if isinstance(node, ast.ClassDef) and not protocol:
                for method in _public(node.body):
                    assert ast.get_docstring(method), f"{path.name}: {node.name}.{method.name}"
