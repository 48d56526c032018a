"""Where the bundled data lives (repository layout: data/ beside the package).

The one place that names bundled files: the CLI's and the public API's defaults. Pipeline stages
never read these; they receive what the caller loaded.
"""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = REPO_ROOT / "data"
RAW_DIR = DATA_DIR / "raw"
PIANO_PROGRAMMA = RAW_DIR / "002_d2694b79c7011924.txt"
SERVICE_MAPS = RAW_DIR / "003_e1cdb3029c68e2c4.txt"
GUIDELINES = RAW_DIR / "004_a279edaa88320457.txt"
TARIFFS = DATA_DIR / "tariffs" / "tariffario.yaml"
FUNDING_SOURCES = DATA_DIR / "funding_sources.csv"
SAMPLE_CASELOAD = DATA_DIR / "caseload_sample.csv"
SCENARIOS_DIR = DATA_DIR / "scenarios"
DEFAULT_OUT = REPO_ROOT / "outputs"
BENCHMARK_MAP = DATA_DIR / "cremona_benchmark_map.csv"
BUDGET_LINK = DATA_DIR / "service_budget_link.csv"
COMUNI = DATA_DIR / "comuni.csv"
PAYERS = DATA_DIR / "payers.csv"
LOCALISATION_WEIGHTS = DATA_DIR / "localisation_weights.csv"
EXAMPLES = DATA_DIR / "esempi"
PROFILES = DATA_DIR / "profili"
DEFAULT_PROFILE = PROFILES / "prospetto_comune.yaml"
COMUNE_WEIGHTS = DATA_DIR / "comuni_pesi.csv"
