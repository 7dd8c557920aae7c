"""Writing results so that nothing half-written is ever read back: every file goes to a
temporary name in the same folder and is renamed into place (atomic on POSIX)."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Callable

import pandas as pd


def atomic_write(path: Path, write: Callable[[Path], None]) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_parquet(df: pd.DataFrame, path: Path) -> Path:
    return atomic_write(path, lambda p: df.to_parquet(p, index=False))


def write_text(text: str, path: Path) -> Path:
    return atomic_write(path, lambda p: p.write_text(text))
