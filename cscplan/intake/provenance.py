"""Where a caseload comes from, and how every output names it.

The bundled sample (``data/caseload_sample.csv``) and its per-comune extracts (``data/esempi/``)
are synthetic: every output built from them says **casistica di esempio (sintetica)**. Any other
caseload is named by its file (or folder). A file is recognised as synthetic by its content
(SHA-256 equal to one of the bundled synthetic files), so a copy elsewhere is still labelled.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from cscplan import metadata, paths

SAMPLE_LABEL = "casistica di esempio (sintetica)"


@dataclass(frozen=True)
class CaseloadOrigin:
    """The caseload's file or folder name and whether it is the synthetic sample."""

    name: str
    synthetic: bool

    @property
    def label(self) -> str:
        """``casistica di esempio (sintetica)`` or ``casistica «mio_file.csv»``."""
        return SAMPLE_LABEL if self.synthetic else f"casistica «{self.name}»"


def bundled_synthetic_files() -> list[Path]:
    """The synthetic files shipped in ``data/`` (the sample and ``data/esempi/``)."""
    examples = (
        sorted(p for p in paths.EXAMPLES.glob("*") if p.is_file())
        if paths.EXAMPLES.is_dir()
        else []
    )
    return [paths.SAMPLE_CASELOAD, *examples]


def shown_path(path: str | Path) -> str:
    """A path as outputs and messages show it: relative to the repository when inside it."""
    try:
        return str(Path(path).resolve().relative_to(paths.REPO_ROOT))
    except ValueError:
        return str(path)


def digest(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def caseload_origin(
    given: str | Path, files: Iterable[Path], synthetic_files: Iterable[Path] | None = None
) -> CaseloadOrigin:
    """The origin of a caseload read from ``files`` (``given``: the file or folder named)."""
    files = [Path(f) for f in files]
    known = synthetic_files if synthetic_files is not None else bundled_synthetic_files()
    hashes = {digest(p) for p in known if Path(p).is_file()}
    given = Path(given)
    name = (
        given.name if len(files) <= 1 and given.is_file() else f"{given.name}/ ({len(files)} file)"
    )
    return CaseloadOrigin(name, bool(files) and all(digest(f) in hashes for f in files))


def caseload_info(origin: CaseloadOrigin, plans: pd.DataFrame, given: str | Path) -> pd.DataFrame:
    """The ``caseload_info`` table: the file, its label, whether synthetic, its size."""
    record = {
        "caseload_file": Path(given).name or str(given),
        "caseload_label": origin.label,
        "synthetic": origin.synthetic,
        "plans": len(plans),
        "beneficiaries": int(plans["beneficiary_id"].nunique()),
        "comuni": int(plans["comune"].nunique()),
    }
    return metadata.frame_from_records("caseload_info", [record])
