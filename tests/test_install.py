"""The README's first command in a clean virtual environment: `pip install -e .` (no
extras) gives `import placesim`, and each verb that needs an extra says in one line what
to install before doing any work. Minutes and a package index: run on request only,
`PLACESIM_INSTALL_TEST=1 python -m pytest -n 0 tests/test_install.py` (CI may set it);
tests/test_cli.py simulates the missing packages in every run."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(os.environ.get("PLACESIM_INSTALL_TEST") != "1",
                                reason="a clean-venv install: set PLACESIM_INSTALL_TEST=1")


@pytest.fixture(scope="module")
def venv(tmp_path_factory) -> Path:
    where = tmp_path_factory.mktemp("venv") / "v"
    subprocess.run([sys.executable, "-m", "venv", str(where)], check=True, timeout=300)
    done = subprocess.run([str(where / "bin" / "pip"), "install", "-q", "-e", str(ROOT)], capture_output=True,
                          text=True, timeout=1800)
    assert done.returncode == 0, done.stderr[-3000:]
    return where


@pytest.mark.parametrize("argv, extra, package", [
    (["report", "path=nowhere"], "report", "weasyprint"),
    (["app"], "app", "panel"),
    (["analyse", "prim", "path=nowhere"], "analysis", "ema_workbench"),
])
def test_a_verb_without_its_extra_is_one_line_in_a_clean_install(venv, tmp_path, argv, extra, package):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run([str(venv / "bin" / "placesim"), *argv], capture_output=True, text=True, timeout=120,
                          cwd=tmp_path, env=env)
    lines = [ln for ln in done.stderr.splitlines() if ln.strip()]
    assert done.returncode == 2 and len(lines) == 1, done.stderr
    assert package in lines[0] and f".[{extra}]" in lines[0]
    assert not list(tmp_path.iterdir())                          # refused before any work


def test_the_python_api_imports_in_a_clean_install(venv, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run([str(venv / "bin" / "python"), "-c", "import placesim; print(placesim.run.__name__)"],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path, env=env)
    assert done.returncode == 0 and done.stdout.strip() == "run", done.stderr
