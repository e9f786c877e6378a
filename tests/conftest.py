"""Tests live in folders mirroring the package's rooms; the shared helpers stay here, importable from all of them."""
import sys
from pathlib import Path

TESTS = str(Path(__file__).resolve().parent)
if TESTS not in sys.path:
    sys.path.insert(0, TESTS)
