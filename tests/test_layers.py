"""The floors hold: import-linter's contracts in pyproject.toml, checked on the whole source tree."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


@pytest.mark.skipif(not LINT_IMPORTS.exists() and shutil.which("lint-imports") is None, reason="import-linter is not installed (cnnkit[dev])")
def test_import_linter_contracts_are_kept():
    command = str(LINT_IMPORTS) if LINT_IMPORTS.exists() else "lint-imports"
    completed = subprocess.run([command], cwd=PROJECT, capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-2000:]
    assert "2 kept, 0 broken" in completed.stdout


def test_the_ground_floor_imports_only_the_standard_library():
    code = "import sys, core.errors, core.atomic, core.contract, core.options; print(sorted(m for m in sys.modules if m.split('.')[0] in {'numpy', 'toolkit', 'runtime', 'export', 'camera_demo'}))"
    completed = subprocess.run([sys.executable, "-c", code], cwd=PROJECT, capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "[]"
