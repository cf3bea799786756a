"""The model digest: one sha256 that changes whenever any file of the model directory changes.

Definition (easy to reproduce outside Python): take every regular file below the directory
(``__pycache__`` directories excluded), sort them by their path relative to the directory
(``/``-separated, compared byte-wise), and hash the text that ``sha256sum`` prints for them in
that order, i.e. one line ``<hex sha256 of the file>  <relative path>\\n`` per file. The result
is ``sha256:<hex>``. In a shell::

    cd "$MODEL_DIR" && find . -type f -not -path '*/__pycache__/*' | sed 's|^\\./||' \\
        | LC_ALL=C sort | tr '\\n' '\\0' | xargs -0 sha256sum | sha256sum
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Iterator

_CHUNK = 1 << 20


def directory_digest(directory: str | os.PathLike[str]) -> str:
    """Return ``sha256:<hex>`` over the files of ``directory`` (see the module docstring)."""
    root = Path(directory)
    manifest = hashlib.sha256()
    for relative in sorted(_relative_files(root), key=lambda p: p.encode("utf-8", "surrogateescape")):
        manifest.update(f"{_file_sha256(root / relative)}  {relative}\n".encode("utf-8", "surrogateescape"))
    return "sha256:" + manifest.hexdigest()


def _relative_files(root: Path) -> Iterator[str]:
    for current, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for name in files:
            path = Path(current) / name
            if path.is_file():
                yield path.relative_to(root).as_posix()


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()
