"""The files of a calibration folder: their names, JSON and hashes."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulation.runner.store import atomic_path, write_text

_FILES = ("calibration.json", "calibration.toml", "scenario.toml", "abc.db", "posterior.parquet", "predictive.parquet")


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, np.ndarray):
        return [None if not np.isfinite(v) else float(v) for v in obj]
    if isinstance(obj, np.floating | np.integer):
        return obj.item()
    return obj


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _sha256(path: Path | None) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path and path.is_file() else None


def _write_json(doc: dict[str, Any], path: Path) -> None:
    write_text(json.dumps(doc, indent=1, default=str), path)


def _write_parquet(df: pd.DataFrame, path: Path) -> None:
    with atomic_path(path) as tmp:
        df.to_parquet(tmp, index=False)
