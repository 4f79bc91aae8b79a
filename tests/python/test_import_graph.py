"""The ctdss package's import graph, drawn from its `import` statements (those inside functions and under
TYPE_CHECKING too, since a deferred import only hides a circle): no module imports itself round a circle, and
neither does any area.

An area is a subpackage (load, build, ...) or one of the modules at the package's root (config, errors, names,
registry, folders, cli_parser, cli), each its own area. The command line is the top: it may import every area,
and no area imports it."""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "scripts" / "ctdss"
TOP = "cli"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path, modules: set[str]) -> set[str]:
    """The package's modules that the file imports anywhere in its body; `from pkg import mod` counts as the
    module, `from mod import name` as `mod`."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: climb from the file's own package
                climbed = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*climbed, *([node.module] if node.module else [])])
            found |= {f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names}
    return {module for module in found if module in modules and module != name}


def module_graph() -> dict[str, set[str]]:
    paths = {module_name(path): path for path in PACKAGE.rglob("*.py")}
    return {name: imported(path, set(paths)) for name, path in paths.items()}


def area(module: str) -> str:
    """`ctdss.load.loader` is in `load`, `ctdss.registry` is `registry`, the package's own __init__ is `ctdss`."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def area_graph(modules: dict[str, set[str]]) -> dict[str, set[str]]:
    areas: dict[str, set[str]] = {area(name): set() for name in modules}
    for name, targets in modules.items():
        areas[area(name)] |= {area(target) for target in targets} - {area(name)}
    return areas


def cycle(graph: dict[str, set[str]]) -> list[str] | None:
    try:
        graphlib.TopologicalSorter(graph).prepare()
    except graphlib.CycleError as error:
        return error.args[1]
    return None


def test_the_graph_is_read_from_the_package() -> None:
    """Guards the readers below against finding nothing: the loader imports the landing module, the command
    line imports the load area, and the graph has every subpackage."""
    modules = module_graph()
    assert "ctdss.load.landing" in modules["ctdss.load.loader"]
    areas = area_graph(modules)
    assert "load" in areas[TOP]
    assert {"load", "onboard", "build", "deliver", "spark", "registry", "config"} <= set(areas)


def test_no_module_imports_itself_round_a_circle() -> None:
    assert cycle(module_graph()) is None


def test_no_area_imports_itself_round_a_circle(record_property: pytest.RecordProperty) -> None:
    areas = area_graph(module_graph())
    record_property("area_graph", "; ".join(f"{a} -> {', '.join(sorted(t))}" for a, t in sorted(areas.items()) if t))
    assert cycle(areas) is None


def test_nothing_imports_the_command_line() -> None:
    areas = area_graph(module_graph())
    assert [name for name, targets in areas.items() if TOP in targets] == []


def test_a_circle_is_found_when_there_is_one() -> None:
    """The check itself: a graph with a circle is reported, one without is not."""
    assert cycle({"a": {"b"}, "b": {"a"}}) is not None
    assert cycle({"a": {"b"}, "b": set()}) is None


if __name__ == "__main__":  # prints the area graph, e.g. for a note on the package's layout
    for name, targets in sorted(area_graph(module_graph()).items()):
        print(f"{name:<11} -> {', '.join(sorted(targets)) or '-'}")
