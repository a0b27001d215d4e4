"""The project's apps depend on each other one way only.

    clinic  ←  accounts, notifications, jobs, staff  ←  treatments  ←  bookings  ←  privacy

A lower app never imports a higher one, not even inside a function, nor looks
its models up (`apps.get_model("bookings", ...)`), and nor do its migrations;
apps on one level do not import each other. Each module is read with `ast`, so
an import is found wherever it is written.
"""

import ast
import re
from pathlib import Path

from django.conf import settings

# What each app may import, written out (besides itself, Django and libraries).
ALLOWED = {
    "clinic": set(),
    "accounts": {"clinic"},
    "notifications": {"clinic", "jobs"},
    "jobs": {"clinic"},
    "staff": {"clinic"},
    "treatments": {"clinic", "accounts", "notifications", "jobs", "staff"},
    "bookings": {"clinic", "accounts", "notifications", "jobs", "staff", "treatments"},
    "privacy": {"clinic", "accounts", "notifications", "jobs", "staff", "treatments", "bookings"},
}

ROOT = Path(settings.BASE_DIR)


def imported_packages(path):
    """The top-level packages `path` imports or whose models it looks up by label
    (`get_model("app", "Model")`, `get_model("app.Model")`), each with the first line that does."""
    found = {}
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", "") == "get_model"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            names = [node.args[0].value]
        else:
            continue
        for name in names:
            found.setdefault(name.split(".")[0], node.lineno)
    return found


def upward_imports():
    wrong = []
    for app, allowed in ALLOWED.items():
        for path in sorted((ROOT / app).rglob("*.py")):
            for package, line in imported_packages(path).items():
                if package in ALLOWED and package != app and package not in allowed:
                    wrong.append(f"{path.relative_to(ROOT)}:{line} imports {package}")
    return wrong


def test_no_app_imports_an_app_above_it_or_beside_it():
    assert upward_imports() == []


def named_apps(path):
    """The app labels a migration names: in `dependencies` and `run_before`
    (`("app", "0001_name")`), in a related model (`"app.model"`) and in
    `apps.get_model("app", ...)`."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if (
            isinstance(node, ast.Tuple)
            and len(node.elts) == 2
            and all(isinstance(element, ast.Constant) and isinstance(element.value, str) for element in node.elts)
        ):
            label, migration = (element.value for element in node.elts)
            if re.fullmatch(r"\d{4}_\w+", migration):
                names.add(label)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if match := re.fullmatch(r"(\w+)\.\w+", node.value):
                names.add(match[1])
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "get_model" and node.args:
            if isinstance(node.args[0], ast.Constant):
                names.add(node.args[0].value)
    return names


def test_no_migration_names_an_app_above_its_own():
    wrong = []
    for app, allowed in ALLOWED.items():
        for path in sorted((ROOT / app / "migrations").glob("0*.py")):
            name = str(path.relative_to(ROOT))
            for label in named_apps(path) - allowed - {app}:
                if label in ALLOWED:
                    wrong.append(f"{name} names {label}")
    assert wrong == []


# Modules that import each other (directly or round a loop), not untangled yet: none
# now. A loop not listed here fails; treatments' comments and forms were one.
KNOWN_CYCLES = []


def module_graph():
    """{module: modules of the project it imports}, migrations left out (they import nothing of ours)."""
    modules = {}
    for app in ALLOWED:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" not in path.parts:
                name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
                modules[name] = path
    graph = {}
    for name, path in modules.items():
        imported = set()
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                imported |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
        graph[name] = (imported & modules.keys()) - {name}
    return graph


def import_cycles(graph):
    """The groups of modules that reach each other through imports."""
    reach = {}
    for start in graph:
        seen, todo = set(), list(graph[start])
        while todo:
            module = todo.pop()
            if module not in seen:
                seen.add(module)
                todo.extend(graph[module])
        reach[start] = seen
    cycles = []
    for module in graph:
        group = {module} | {other for other in reach[module] if module in reach[other]}
        if module in reach[module] and group not in cycles:
            cycles.append(group)
    return cycles


def test_no_new_import_cycle_between_modules():
    assert [cycle for cycle in import_cycles(module_graph()) if cycle not in KNOWN_CYCLES] == []


def test_every_app_of_the_project_is_in_the_table():
    # A new app must be given its place before it can be checked.
    apps = {path.parent.name for path in ROOT.glob("*/apps.py")} | {"clinic"}
    assert apps == set(ALLOWED)


def test_the_checks_find_an_import_in_a_function_and_a_dependency_in_a_migration(tmp_path):
    module = tmp_path / "views.py"
    module.write_text(
        "def view(request):\n    from bookings.models import opening_hours\n    return opening_hours()\n"
    )
    assert imported_packages(module) == {"bookings": 2}
    migration = tmp_path / "0002_x.py"
    migration.write_text('dependencies = [("bookings", "0001_initial")]\nto = "privacy.erasure"\n')
    assert named_apps(migration) == {"bookings", "privacy"}
    assert import_cycles({"a": {"b"}, "b": {"a"}, "c": {"a"}}) == [{"a", "b"}]
