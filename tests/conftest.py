"""Shared pytest setup: import paths only.

* ``tests/`` goes on ``sys.path`` so the fake Discord server imports as ``fake_discord``
  whether or not ``tests`` is a package (pytest's rootdir handling differs in each case);
* the repository root goes on it too, so ``bot`` and ``index`` import under a bare
  ``.venv/bin/pytest`` as they do under ``python -m pytest``.
"""

import sys
from pathlib import Path

_TESTS = Path(__file__).resolve().parent
for _path in (str(_TESTS), str(_TESTS.parent)):
    if _path not in sys.path:
        sys.path.insert(0, _path)
