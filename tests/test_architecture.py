"""House rules checked on the source: layers, file sizes and names (ARCHITECTURE.md 2-3)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("workbench", "nlp")

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
    "letters.py",
    "participant_lifecycle.py",
    "participants.py",
    "waitlist.py",
    "answers.py",
    "bookings.py",
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


# Features, lowest first (ARCHITECTURE.md 2). A feature may import features on lower ranks
# only; features on one rank do not import each other. auth, jobs and outbox are shared
# machinery the features build on.
FEATURE_ORDER = (
    ("auth",),
    ("jobs",),
    ("outbox",),
    ("customers",),
    ("feedback",),
    ("topics",),
    ("issues",),
    ("studies",),
    ("transparency", "privacy"),
)
FEATURE_RANK = {feature: rank for rank, group in enumerate(FEATURE_ORDER) for feature in group}
#: The composition root: builds the app from every feature, so it may import them all, and
#: nothing imports it.
APP_LAYER = {"workbench", "workbench.cli", "workbench.models", "workbench.demo"}
#: Edges against the order that are still to be removed (issue 12). The test fails when one of
#: them disappears, so that the list only shrinks; it must end empty.
KNOWN_BACK_EDGES = {
    ("issues", "studies"),
    ("topics", "issues"),
}
MODULE_PATH = re.compile(r"^workbench(\.\w+)+(:\w+)?$")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def feature_of(module: str) -> str | None:
    """The feature a workbench module belongs to (None: a root module or another package)."""
    parts = module.split(".")
    if parts[0] != "workbench" or len(parts) < 2 or parts[1] not in FEATURE_RANK:
        return None
    return parts[1]


def type_checking_lines(tree: ast.AST) -> set[int]:
    """Lines inside ``if TYPE_CHECKING:`` blocks (imports there are for annotations only)."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            for inner in node.body:
                lines.update(range(inner.lineno, (inner.end_lineno or inner.lineno) + 1))
    return lines


def dependencies(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import in the file, also inside functions and under
    TYPE_CHECKING, and of every string naming a workbench module ("workbench.x.y:function",
    as job tables do)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    inside = path.is_relative_to(ROOT)
    package_parts = list(path.relative_to(ROOT).with_suffix("").parts)[:-1] if inside else []
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package_parts[: len(package_parts) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.append((node.lineno, module))
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and MODULE_PATH.match(node.value)
        ):
            found.append((node.lineno, node.value.partition(":")[0]))
    return found


def feature_edges() -> list[tuple[str, str, str]]:
    """(from feature or module, to feature, "file:line -> module") for every edge that leaves
    a feature or a root module for a feature."""
    edges = []
    for path in python_files("workbench"):
        source = module_name(path)
        if source in APP_LAYER:
            continue
        own = feature_of(source) or source
        for line, target in dependencies(path):
            to = feature_of(target)
            if to is not None and to != own:
                edges.append((own, to, f"{relative(path)}:{line} -> {target}"))
    return edges


def test_every_feature_package_has_a_place_in_the_order():
    packages = {path.parent.name for path in (ROOT / "workbench").glob("*/__init__.py")}
    assert packages - set(FEATURE_RANK) == set(), "add new feature packages to FEATURE_ORDER"


def test_features_depend_one_way():
    against = []
    for source, target, where in feature_edges():
        if source not in FEATURE_RANK:
            against.append(f"{where} (a root module imports a feature)")
        elif (
            FEATURE_RANK[target] >= FEATURE_RANK[source]
            and (source, target) not in KNOWN_BACK_EDGES
        ):
            against.append(where)
    assert against == [], "edges against the feature order:\n" + "\n".join(sorted(against))


def test_the_list_of_known_back_edges_only_shrinks():
    present = {(source, target) for source, target, _ in feature_edges()}
    gone = KNOWN_BACK_EDGES - present
    assert gone == set(), f"remove these from KNOWN_BACK_EDGES, they are gone: {gone}"


#: Modules that still import the composition root (issue 12): must end empty.
KNOWN_ROOT_IMPORTERS = {"workbench/studies/public_views.py"}


def test_nothing_imports_the_composition_root():
    importers = {
        relative(path)
        for path in python_files("workbench")
        if module_name(path) not in APP_LAYER
        for _, target in dependencies(path)
        if target in APP_LAYER
    }
    assert importers == KNOWN_ROOT_IMPORTERS


def test_the_graph_walk_sees_imports_in_functions_and_job_strings(tmp_path):
    module = tmp_path / "example.py"
    module.write_text(
        "def later():\n    from workbench.topics.runs import execute\n"
        "JOBS = {'x': 'workbench.topics.runs:execute'}\n",
        encoding="utf-8",
    )
    assert [target for _, target in dependencies(module)] == [
        "workbench.topics.runs",
        "workbench.topics.runs",
    ]
    assert feature_of("workbench.topics.runs") == "topics"
    assert feature_of("workbench.db") is None
