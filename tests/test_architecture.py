"""House rules checked on the source: layers, file sizes and names (ARCHITECTURE.md 2-3)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("workbench", "nlp")
MAX_LINES = 400

# Modules without HTTP: services and the named modules split out of them.
SERVICE_MODULE_NAMES = {
    "services.py",
    "imports.py",
    "intake.py",
    "inbox.py",
    "loyalty.py",
    "demo.py",
    "importing.py",
    "clustering.py",
    "addresses.py",
    "paging.py",
    "lifecycle.py",
    "screening.py",
    "recruitment.py",
    "settings.py",
    "invitations.py",
    "scheduling.py",
    "messages.py",
    "calendar.py",
    "discovery.py",
    "sending.py",
    "sessions.py",
    "observations.py",
    "report.py",
    "report_export.py",
    "evidence.py",
    "priority.py",
    "listing.py",
    "links.py",
    "assignments.py",
    "browser.py",
    "editing.py",
    "triage.py",
    "impact.py",
    "publication.py",
    "projections.py",
    "followups.py",
    "runs.py",
    "alignment.py",
    "selection.py",
    "outputs.py",
}
NLP_FORBIDDEN = {"flask", "sqlmodel", "sqlalchemy", "workbench"}


def python_files(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


ALL_FILES = [path for package in PACKAGES for path in python_files(package)]


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def imported_modules(path: Path) -> set[str]:
    """Every module imported anywhere in the file (also inside functions), made absolute."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    # The package a relative import starts from (the same for a module and an __init__).
    package_parts = list(path.relative_to(ROOT).with_suffix("").parts)[:-1]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package_parts[: len(package_parts) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "__import__"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            found.add(str(node.args[0].value))
    return found


def top_level(module: str) -> str:
    return module.split(".")[0]


def is_flask(module: str) -> bool:
    name = top_level(module)
    return name == "flask" or name.startswith("flask_")


def test_the_walk_finds_the_packages_and_their_imports():
    """The checks below mean nothing if the walk finds no files or misses imports."""
    names = {relative(path) for path in ALL_FILES}
    assert {"workbench/__init__.py", "workbench/auth/services.py", "nlp/__init__.py"} <= names
    views = {top_level(m) for m in imported_modules(ROOT / "workbench/auth/views.py")}
    assert {"flask", "flask_login", "workbench"} <= views
    cli = imported_modules(ROOT / "workbench/cli.py")
    assert "alembic" in {top_level(m) for m in cli}  # imported inside a function
    assert "nlp.language" in imported_modules(ROOT / "nlp/__init__.py")


def test_nlp_imports_no_web_database_or_workbench_code():
    offenders = {
        relative(path): sorted(
            m for m in imported_modules(path) if top_level(m) in NLP_FORBIDDEN or is_flask(m)
        )
        for path in python_files("nlp")
    }
    offenders = {path: modules for path, modules in offenders.items() if modules}
    assert offenders == {}, f"nlp/ must stay a pure library: {offenders}"


def service_modules() -> list[Path]:
    return [path for path in ALL_FILES if path.name in SERVICE_MODULE_NAMES]


def test_service_modules_are_found():
    names = {relative(path) for path in service_modules()}
    assert {
        "workbench/auth/services.py",
        "workbench/customers/services.py",
        "workbench/feedback/services.py",
        "workbench/feedback/intake.py",
        "workbench/importing.py",
        "workbench/demo.py",
        "workbench/topics/clustering.py",
    } <= names


@pytest.mark.parametrize("path", service_modules(), ids=relative)
def test_service_module_does_not_import_flask(path):
    flask_imports = sorted(m for m in imported_modules(path) if is_flask(m))
    assert flask_imports == [], f"{relative(path)} imports {flask_imports}"


def test_no_file_is_longer_than_the_limit():
    too_long = {}
    for path in ALL_FILES:
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_LINES:
            too_long[relative(path)] = lines
    assert too_long == {}, f"split these files (limit {MAX_LINES} lines): {too_long}"


def test_no_utils_module():
    found = [relative(path) for package in PACKAGES for path in (ROOT / package).rglob("utils.py")]
    assert found == [], f"name modules after what they do, not utils: {found}"


def test_only_the_topics_adapter_uses_the_topic_model():
    """workbench/topics/clustering.py is the one adapter between the workbench and nlp's topics."""
    users = set()
    for path in python_files("workbench"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("nlp"):
                names = {alias.name for alias in node.names}
                if node.module.startswith("nlp.topics") or "TopicModel" in names:
                    users.add(relative(path))
    assert users == {"workbench/topics/clustering.py"}
