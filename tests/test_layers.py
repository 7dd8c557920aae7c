"""Layers point only down (docs/ARCHITECTURE.md): sim < configs < analysis < the entry
points (experiments, app, benchmarks) < the Python API (placesim). Every import in every module is checked,
including imports inside functions."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROJECT = ("sim", "configs", "analysis", "experiments", "app", "benchmarks", "placesim")
# What each layer may import from the project (besides itself).
ALLOWED = {
    "sim": set(),
    "configs": {"sim"},
    "analysis": {"sim", "configs"},
    "benchmarks": {"sim", "configs", "analysis"},
    "app": {"sim", "configs", "analysis"},
    "experiments": {"sim", "configs", "analysis", "benchmarks", "app"},
    "placesim": {"sim", "configs", "analysis", "experiments"},
}
# Third-party packages a layer must not use: the model never touches Hydra or plots.
FORBIDDEN_THIRD_PARTY = {"sim": {"hydra", "omegaconf", "matplotlib", "panel", "bokeh"}}


def imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def modules():
    for layer in PROJECT:
        for path in sorted((ROOT / layer).rglob("*.py")):
            yield layer, path


@pytest.mark.parametrize("layer", PROJECT)
def test_each_layer_imports_only_layers_below_it(layer):
    wrong = []
    for own, path in modules():
        if own != layer:
            continue
        for line, name in imports(path):
            top = name.split(".")[0]
            if top in PROJECT and top != layer and top not in ALLOWED[layer]:
                wrong.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
            if top in FORBIDDEN_THIRD_PARTY.get(layer, ()):
                wrong.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
    assert not wrong, "\n".join(wrong)


def test_the_check_sees_imports_inside_functions(tmp_path):
    p = tmp_path / "m.py"
    p.write_text("def f():\n    from experiments.run import main\n")
    assert imports(p) == [(2, "experiments.run")]
