"""Apps depend one way (STYLE.md): accounts ← invoices ← collection; nothing points back."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def imported_apps(app: str) -> dict[str, set[str]]:
    """The top-level modules each Python file of the app imports (also inside functions)."""
    found: dict[str, set[str]] = {}
    for path in (ROOT / app).rglob("*.py"):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
        found[str(path.relative_to(ROOT))] = names
    return found


def test_invoices_never_imports_the_collection_app():
    offenders = {path for path, names in imported_apps("invoices").items() if "collection" in names}
    assert offenders == set()


@pytest.mark.parametrize("higher", ["payments", "arrangements", "messaging", "chat", "creditor"])
def test_collection_never_imports_a_higher_app(higher):
    offenders = {path for path, names in imported_apps("collection").items() if higher in names}
    assert offenders == set()
