"""Fetches axe-core, the accessibility engine the browser tests inject into every page, from the
npm registry without npm: the pinned version's tarball, checked against the registry's
`dist.integrity` (sha512) written below, and its `axe.min.js` extracted to var/axe-core/ (which
git ignores). `make test` runs it; it does nothing when that version is already there.

To move to another version: `curl https://registry.npmjs.org/axe-core/<version>` gives its
`dist.integrity`; change both lines below.

Usage: python scripts/fetch_axe.py [destination directory, var/axe-core by default]
"""

import base64
import hashlib
import io
import sys
import tarfile
import urllib.request
from pathlib import Path

VERSION = "4.14.1"
INTEGRITY = (
    "sha512-"
    "FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ=="
)
TARBALL = f"https://registry.npmjs.org/axe-core/-/axe-core-{VERSION}.tgz"
DESTINATION = Path(__file__).resolve().parent.parent / "var" / "axe-core"
# What the tests read: the engine, and the version it is (a stale copy is fetched again).
SCRIPT, STAMP = "axe.min.js", "VERSION"


def integrity_of(content: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(content).digest()).decode()


def main(destination: Path) -> None:
    stamp = destination / STAMP
    if (destination / SCRIPT).is_file() and stamp.is_file() and stamp.read_text() == VERSION:
        return
    with urllib.request.urlopen(TARBALL, timeout=120) as response:
        content = response.read()
    if integrity_of(content) != INTEGRITY:
        sys.exit(f"{TARBALL}: its sha512 differs from the registry's pinned integrity, not used")
    with tarfile.open(fileobj=io.BytesIO(content), mode="r:gz") as archive:
        script = archive.extractfile(f"package/{SCRIPT}").read()
        license_ = archive.extractfile("package/LICENSE").read()
    destination.mkdir(parents=True, exist_ok=True)
    (destination / SCRIPT).write_bytes(script)
    (destination / "LICENSE").write_bytes(license_)
    stamp.write_text(VERSION)
    print(f"axe-core {VERSION} → {destination / SCRIPT}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DESTINATION)
