"""tests/hub's browser: Debian's Chromium, through tests/browser's own fixture."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path


def _browser_fixtures():
    """tests/browser/conftest.py, loaded under a name of its own (every conftest is "conftest")."""
    path = Path(__file__).resolve().parents[1] / "browser" / "conftest.py"
    sys.path.insert(0, str(path.parent))   # it imports its neighbours by name
    spec = importlib.util.spec_from_file_location("nnlab_browser_fixtures", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module   # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


BROWSER = _browser_fixtures()
browser = BROWSER.browser   # the same fixture: Debian's Chromium, headless, closed after the module
