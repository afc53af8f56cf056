"""Side virtualenvs for programs whose pins clash with ours (producers, Phoenix).

Shared by the interop tests and the Phoenix benchmark: each venv is rebuilt only when
its requirement list changes (a stamp file named by the list's hash).
"""

from __future__ import annotations

import hashlib
import subprocess
import venv
from pathlib import Path


def venv_python(home: Path, requirements: list[str]) -> Path:
    """The interpreter of the venv at `home` holding `requirements`, (re)built when they changed."""
    python = home / "bin" / "python"
    stamp = home / (".stamp-" + hashlib.sha1("\n".join(requirements).encode()).hexdigest()[:12])
    if python.exists() and stamp.exists():
        return python
    if not python.exists():
        venv.create(home, with_pip=True)
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *requirements],
        check=True,
    )
    stamp.touch()
    return python
