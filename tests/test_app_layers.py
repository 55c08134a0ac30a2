"""Apps depend one way (STYLE.md "Layout"): accounts ← invoices ← collection ← payments ←
arrangements ← messaging / chat / creditor. A lower app offers a hook that the higher one
registers in `AppConfig.ready()`; it never imports upwards, not even inside a function.

Every import of every module is read with `ast` (module level and inside functions alike).
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAYERS = {
    "accounts": 0,
    "invoices": 1,
    "collection": 2,
    "payments": 3,
    "arrangements": 4,
    "messaging": 5,
    "chat": 5,
    "creditor": 5,
}
# Upward imports still to be turned into hooks: none are left (issue 10). A new one fails
# below; keep this empty.
KNOWN_UPWARD: set[tuple[str, str]] = set()


def imports_of(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def module_graph() -> dict[str, set[str]]:
    """Module name → the project modules it imports (a `from a import b` counts a.b too)."""
    paths = {}
    for app in LAYERS:
        for path in (ROOT / app).rglob("*.py") if (ROOT / app).exists() else ():
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            paths[name] = path
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        targets = set()
        for node in ast.walk(ast.parse(path.read_text())):
            found = []
            if isinstance(node, ast.Import):
                found = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            targets |= {target for target in found if target in paths and target != name}
        graph[name] = targets
    return graph


def upward_imports() -> set[tuple[str, str]]:
    found = set()
    for app, rank in LAYERS.items():
        for path in (ROOT / app).rglob("*.py") if (ROOT / app).exists() else ():
            for name in imports_of(path):
                target = name.split(".")[0]
                if target in LAYERS and LAYERS[target] > rank:
                    found.add((str(path.relative_to(ROOT)), name))
    return found


def test_no_app_imports_a_higher_app_beyond_the_known_ones():
    assert upward_imports() - KNOWN_UPWARD == set()


def test_the_known_upward_imports_list_shrinks_with_the_code():
    assert KNOWN_UPWARD - upward_imports() == set()


def test_payments_never_imports_arrangements():
    offenders = {
        (path, name)
        for path, name in upward_imports()
        if path.startswith("payments/") and name.startswith("arrangements")
    }
    assert offenders == set()


def test_no_import_circle_crosses_two_apps():
    """The six-file circle payments ↔ arrangements is gone, and none other spans apps."""
    graph = module_graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[set[str]] = []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                circles.append(component)

    for node in graph:
        if node not in index:
            visit(node)
    across_apps = [c for c in circles if len({m.split(".")[0] for m in c}) > 1]
    assert across_apps == []


def test_the_invoice_file_parsers_do_not_import_each_other_in_a_circle():
    graph = module_graph()
    assert "invoices.importing.csv_format" not in graph["invoices.importing.records"]
    assert "invoices.importing.finvoice" not in graph["invoices.importing.records"]
