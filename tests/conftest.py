"""Tests live in folders mirroring the package's rooms; the shared helpers stay here, importable from all of them."""
import faulthandler
import sys
from pathlib import Path

import pytest

TESTS = str(Path(__file__).resolve().parent)
if TESTS not in sys.path:
    sys.path.insert(0, TESTS)

EXIT_GRACE_SECONDS = 120


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):
    """Once the tests are over, Python must be able to exit: a thread the code left waiting for good would hold
    the test command open until the CI's limit. Past the grace period, print every thread's stack and fail."""
    faulthandler.dump_traceback_later(EXIT_GRACE_SECONDS, exit=True, file=sys.__stderr__)
