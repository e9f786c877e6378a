"""Starting salesim stays cheap: scipy loads when a computation first needs it, not with the package."""
import subprocess
import sys


def test_importing_the_package_does_not_load_scipy():
    probe = "import sys, simulator, simulator.analysis; print('scipy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
