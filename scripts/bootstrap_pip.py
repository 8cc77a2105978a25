"""Installs pip into a virtual environment created with --without-pip.

Debian and Ubuntu ship `python3` without `ensurepip` (it lives in the python3-venv package), so
`python3 -m venv` fails there on a fresh machine. The Makefile then creates the environment
without pip and calls this script, which fetches pip's wheel from PyPI and lets pip install
itself from it: nothing to install by hand.

Usage: python scripts/bootstrap_pip.py .venv
"""

import hashlib
import json
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path
from urllib.parse import urljoin

INDEX = "https://pypi.org/pypi/pip/json"


def main(venv: Path) -> None:
    with urllib.request.urlopen(INDEX, timeout=60) as response:
        release = json.load(response)
    wheel = next(u for u in release["urls"] if u["packagetype"] == "bdist_wheel")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / wheel["filename"]
        with urllib.request.urlopen(urljoin(INDEX, wheel["url"]), timeout=120) as response:  # noqa: S310
            content = response.read()
        if hashlib.sha256(content).hexdigest() != wheel["digests"]["sha256"]:
            sys.exit(f"{wheel['filename']}: checksum differs from PyPI's, not installed")
        path.write_bytes(content)
        python = venv / "bin" / "python"
        # A wheel is a zip that Python can run: pip installs itself from its own wheel.
        subprocess.run([python, f"{path}/pip", "install", "--quiet", str(path)], check=True)  # noqa: S603


if __name__ == "__main__":
    main(Path(sys.argv[1]))
