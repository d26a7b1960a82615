"""The import graph: one-way arrows between the apps, and no cycle anywhere.

README "Code map" promises a newcomer which room may use which. Every import in the
project's modules counts, the ones inside functions too (a function-local import is
how a cycle used to hide).
"""

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
APPS = (
    "articles",
    "legacy",
    "search",
    "pagecache",
    "charts",
    "quotes",
    "topics",
    "api",
    "media_library",
)

# Which apps each app may import. articles is the content everything else builds on
# and depends on none of them; the others depend on articles, never the reverse.
ALLOWED = {
    "articles": set(),
    "legacy": {"articles", "search"},
    "search": {"articles"},
    "pagecache": {"articles"},
    "charts": {"articles", "legacy"},
    # Asks an outside provider for prices; reads only the securities it quotes.
    "quotes": {"articles"},
    # 专题 and the menu: pages of articles, cached like the others. It offers its 专题
    # to the search box's suggestions (search.suggest.register): search, which legacy
    # and the API use, stays below it and works without it.
    "topics": {"articles", "pagecache", "search"},
    # The public content API reads articles and, for its search endpoint, search.
    "api": {"articles", "search"},
    # The library registers what articles stores and lends it pictures; articles never
    # imports it (it announces uploads with articles.signals.image_stored).
    "media_library": {"articles"},
}

# Inside articles, arrows point one way too: pages and the admin use services,
# services use models; models use neither.
LAYERS_BELOW = {
    "articles.models": {"articles.services", "articles.admin", "articles.views"},
    "articles.services": {"articles.admin", "articles.views"},
    "media_library.models": {"media_library.services", "media_library.admin"},
    "media_library.services": {"media_library.admin"},
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _project_modules() -> dict[str, Path]:
    modules = {}
    for app in APPS:
        for path in (REPO / app).rglob("*.py"):
            if "migrations" not in path.parts:
                modules[_module_name(path)] = path
    return modules


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The project modules that module `name` imports, anywhere in its body."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        targets = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            # `from pkg import mod` names the module; `from mod import name` the module.
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                for alias in node.names
            ]
        for target in targets:
            # The longest known module the import names ("from . import x" may be x).
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def _graph() -> dict[str, set[str]]:
    modules = _project_modules()
    return {name: _imports(name, path, set(modules)) for name, path in modules.items()}


def test_apps_import_only_the_apps_below_them():
    wrong = [
        f"{module} imports {target}"
        for module, targets in _graph().items()
        for target in targets
        if target.split(".")[0] != module.split(".")[0]
        and target.split(".")[0] not in ALLOWED[module.split(".")[0]]
    ]
    assert wrong == []


def test_models_and_services_never_import_the_layers_above_them():
    wrong = [
        f"{module} imports {target}"
        for module, targets in _graph().items()
        for layer, above in LAYERS_BELOW.items()
        if module == layer or module.startswith(layer + ".")
        for target in targets
        if any(target == a or target.startswith(a + ".") for a in above)
    ]
    assert wrong == []


def test_there_is_no_import_cycle():
    graph = _graph()
    cycles, state = [], {}

    def visit(node, trail):
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                cycles.append(" -> ".join([*trail[trail.index(nxt) :], nxt]))
            elif nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert cycles == []


def test_the_checker_sees_a_function_local_import():
    """A control: the scan finds imports inside functions, where cycles used to hide."""
    graph = _graph()
    assert "articles.tagging" in graph["articles.signals"]
