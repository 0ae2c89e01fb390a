"""The import arrows of the house style, read from the source with ``ast`` (nothing is
imported to find them), and the repository's own packages winning over PyPI's."""

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("schema", "ledger", "authz", "graph")
OURS = frozenset({*PACKAGES, "tests", "bench"})
SKIPPED_DIRS = frozenset({".git", ".venv", "venv", "build", "dist", "__pycache__", "node_modules"})

ALLOWED = {
    "schema": {"schema"},
    "ledger": {"schema", "ledger"},
    "authz": {"schema", "ledger", "authz"},
    "graph": {"schema", "ledger", "authz", "graph"},
}


def _python_files(directory: Path) -> list[Path]:
    return sorted(
        path
        for path in directory.rglob("*.py")
        if not SKIPPED_DIRS & set(path.relative_to(ROOT).parts)
        and not any(part.endswith(".egg-info") for part in path.parts)
    )


def _own_package(path: Path) -> str:
    return path.relative_to(ROOT).parts[0]


def imported(path: Path) -> set[str]:
    """The top-level names of everything ``path`` imports, wherever in the file; a
    relative import counts as its own package."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                found.add(_own_package(path))
            elif node.module:
                found.add(node.module.split(".")[0])
        elif isinstance(node, ast.Call):
            module = _dynamic_import(node)
            if module is not None:
                found.add(module.split(".")[0])
    return found


def _dynamic_import(call: ast.Call) -> str | None:
    """The module of ``importlib.import_module("x")`` or ``__import__("x")``."""
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    if name not in ("import_module", "__import__") or not call.args:
        return None
    first = call.args[0]
    return first.value if isinstance(first, ast.Constant) and isinstance(first.value, str) else None


def wrong_arrows(package: str) -> list[str]:
    allowed = ALLOWED[package]
    out = []
    for path in _python_files(ROOT / package):
        wrong = sorted((imported(path) & OURS) - allowed)
        if wrong:
            out.append(f"{path.relative_to(ROOT)} imports {', '.join(wrong)}")
    return out


def test_the_scan_finds_imports() -> None:
    """The checks below are only as good as the scan: it sees what graph imports."""
    files = _python_files(ROOT / "graph")
    assert len(files) > 10
    assert {"schema", "ledger", "authz", "graph"} <= set().union(*(imported(p) for p in files))
    assert "ledger" in set().union(*(imported(p) for p in _python_files(ROOT / "authz")))


def test_scan_counts_nested_and_dynamic_imports(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import importlib\n\n\ndef f():\n    from graph.app import create_app\n"
        "    import authz.guard\n    return importlib.import_module('tests.support')\n"
    )
    assert imported(probe) == {"importlib", "graph", "authz", "tests"}


def test_schema_imports_none_of_ours() -> None:
    assert wrong_arrows("schema") == []


def test_ledger_imports_only_schema() -> None:
    assert wrong_arrows("ledger") == []


def test_authz_imports_schema_and_ledger_never_graph() -> None:
    assert wrong_arrows("authz") == []


def test_graph_imports_no_tests() -> None:
    assert wrong_arrows("graph") == []


# The tests and the benchmark drive the service from outside, so they may import it;
# nothing else may, and nothing of the service may import them (OURS, above).
HARNESSES = ("tests", "bench")


def test_nothing_outside_graph_imports_graph() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for path in _python_files(ROOT)
        if _own_package(path) not in ("graph", *HARNESSES) and "graph" in imported(path)
    ]
    assert offenders == []


@pytest.mark.parametrize("name", PACKAGES)
def test_packages_import_from_this_repository(name: str) -> None:
    module = importlib.import_module(name)
    assert module.__file__ is not None
    location = Path(module.__file__).resolve()
    assert location == ROOT / name / "__init__.py", f"{name} comes from {location}"


TEXT_SUFFIXES = frozenset(
    {".py", ".csv", ".conf", ".graphql", ".ini", ".toml", ".cfg", ".mako", ".md", ".txt", ".json"}
)
# Folders the spec lives in; the service and its tests must carry their own copies.
FORBIDDEN = ("shared/spec", "../shared")


def test_nothing_refers_to_the_shared_folder() -> None:
    this_file = Path(__file__).resolve()  # it names the strings it looks for
    scanned = 0
    offenders = []
    for top in (*PACKAGES, "tests"):
        for path in sorted((ROOT / top).rglob("*")):
            if (
                not path.is_file()
                or path.suffix not in TEXT_SUFFIXES
                or SKIPPED_DIRS & set(path.parts)
                or path.resolve() == this_file
            ):
                continue
            scanned += 1
            text = path.read_text(encoding="utf-8", errors="replace")
            offenders += [f"{path.relative_to(ROOT)}: {s}" for s in FORBIDDEN if s in text]
    assert scanned > 50
    assert offenders == []


# The policy's questions have names in authz/ (Decision.knowable, ClientAccess.audit_only,
# the row rules of authz/rows.py): nothing outside authz/ asks them by hand.
POLICY_INTERNALS = ("Relation.", "RedactionReason.NOT_PERMITTED", ".subjects", "import Relation")


def test_only_authz_inspects_relations_reasons_and_subjects() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}: {needle}"
        for path in _python_files(ROOT / "graph")
        for needle in POLICY_INTERNALS
        if needle in path.read_text(encoding="utf-8")
    ]
    assert offenders == []
