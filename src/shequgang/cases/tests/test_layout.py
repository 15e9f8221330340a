"""The shape of the cases app, read from its source with ``ast`` (no Django needed):

1. no module is over ``MAX_LINES`` lines (migrations and tests aside);
2. no module imports another module's private name (``_name``);
3. the module-level imports between the modules of cases form no cycle;
4. every package says in its ``__init__`` docstring what lives there and what it may import.

Function-level imports are not edges of (3): they are the way out of a cycle and are
meant to be rare (each says why)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

CASES = Path(__file__).resolve().parents[1]
PACKAGE = "shequgang.cases"
MAX_LINES = 420


def _module_name(path: Path, root: Path = CASES) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join([PACKAGE, *parts])


def _sources(root: Path = CASES) -> Iterator[Path]:
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).parts
        if rel[0] in {"migrations", "tests"}:
            continue
        yield path


def _absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """The dotted module an ``from … import`` names, relative imports resolved."""
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def _imports(path: Path, root: Path = CASES) -> Iterator[tuple[ast.ImportFrom | ast.Import, str]]:
    """Every import statement of the module and the module it names; with the module
    statements only (not the ones inside functions) for ``top_level``."""
    module = _module_name(path, root)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            yield node, _absolute(node, module, path.name == "__init__.py")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield node, alias.name


def _top_level_imports(path: Path, root: Path = CASES) -> Iterator[ast.ImportFrom | ast.Import]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node


def _modules(root: Path = CASES) -> dict[str, Path]:
    return {_module_name(p, root): p for p in _sources(root)}


def long_modules(root: Path = CASES) -> list[str]:
    return [
        f"{p.relative_to(root)}: {n} lines"
        for p in _sources(root)
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    ]


def private_imports(root: Path = CASES) -> list[str]:
    found = []
    modules = _modules(root)
    for path in _sources(root):
        for node, target in _imports(path, root):
            if not isinstance(node, ast.ImportFrom) or not target.startswith(PACKAGE):
                continue
            for alias in node.names:
                if alias.name.startswith("_") and f"{target}.{alias.name}" not in modules:
                    found.append(f"{path.relative_to(root)}:{node.lineno} {target}.{alias.name}")
    return found


def import_graph(root: Path = CASES) -> dict[str, set[str]]:
    """Module → the modules of cases it imports at module level. ``from a import b`` is an
    edge to ``a.b`` when that is a module, else to ``a``."""
    modules = _modules(root)
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for module, path in modules.items():
        is_package = path.name == "__init__.py"
        for node in _top_level_imports(path, root):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                base = _absolute(node, module, is_package)
                targets = [
                    f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base
                    for a in node.names
                ]
            graph[module] |= {t for t in targets if t in modules and t != module}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph (its modules, the first repeated at the end), or None."""
    state: dict[str, int] = {}  # 1: on the stack, 2: done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)) is not None:
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)) is not None:
            return cycle
    return None


def undocumented_packages(root: Path = CASES) -> list[str]:
    missing = []
    for init in sorted(root.rglob("__init__.py")):
        rel = init.relative_to(root)
        if rel.parts[0] in {"migrations", "tests"}:
            continue
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        if not doc or not doc.strip() or "import" not in doc:
            missing.append(str(rel.parent))
    return missing


# --- The rules ------------------------------------------------------------------------------


def test_no_module_is_long() -> None:
    assert long_modules() == []


def test_no_module_imports_another_modules_private_name() -> None:
    assert private_imports() == []


def test_the_module_imports_form_no_cycle() -> None:
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " → ".join(cycle or [])


def test_every_package_says_what_lives_there_and_what_it_may_import() -> None:
    assert undocumented_packages() == []


# --- The checks can fail --------------------------------------------------------------------


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_the_checks_catch_the_old_flat_layout(tmp_path: Path) -> None:
    """A miniature of the layout before the packages: services.py imported dispatch
    (lazily, not an edge) and dispatch.py imported services' private guards at module
    level; models.py star-imported deliberation_models, which imported models."""
    root = _write(
        tmp_path,
        {
            "__init__.py": "",
            "services.py": "import shequgang.cases.dispatch\n" + "x = 1\n" * MAX_LINES,
            "dispatch.py": "from shequgang.cases.services import _must_handle, _reason\n",
            "models.py": "from shequgang.cases.deliberation_models import *\n",
            "deliberation_models.py": "from shequgang.cases.models import Case\n",
            "engine/__init__.py": "",
            "engine/routing.py": "from . import workflow\n",
            "engine/workflow.py": "from .routing import _table\n",
        },
    )
    assert long_modules(root) == [f"services.py: {MAX_LINES + 1} lines"]
    assert private_imports(root) == [
        "dispatch.py:1 shequgang.cases.services._must_handle",
        "dispatch.py:1 shequgang.cases.services._reason",
        "engine/workflow.py:1 shequgang.cases.engine.routing._table",
    ]
    cycle = find_cycle(import_graph(root))
    assert cycle == [
        "shequgang.cases.deliberation_models",
        "shequgang.cases.models",
        "shequgang.cases.deliberation_models",
    ]
    assert undocumented_packages(root) == [".", "engine"]


def test_a_lazy_import_is_no_edge_and_a_private_module_may_be_imported(tmp_path: Path) -> None:
    root = _write(
        tmp_path,
        {
            "__init__.py": "",
            "a.py": "def f():\n    from shequgang.cases import b\n",
            "b.py": "from shequgang.cases import a, _c\n",
            "_c.py": "",
        },
    )
    assert find_cycle(import_graph(root)) is None
    assert private_imports(root) == []
