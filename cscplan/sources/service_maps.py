"""Comune di Cremona, *Riprogettazione Mappe dei Servizi* (All. C): text → three tidy tables.

The document opens with an index of numbered services grouped by area; some entries are marked
"(non pubblicata)". Then one map per published service, each starting with
"ANALISI DELLA FORMULA GESTIONALE - MAPPE DEI SERVIZI". A map's header names the service and
its responsible in one of three layouts (``SERVIZIO NAME`` / ``RESPONSABILE NAME``; the two
labels first and the two values after; or label/value/label/value), sometimes in ``**bold**``.
Maps are matched to the index in order, and the match is verified by shared name words.

Tables are tab-separated: a date row ``31/12/2018 … 31/12/2020`` fixes the year columns, then
one row per indicator. Cells are Italian numbers (``12.085`` = 12085, ``154,875`` = 154.875),
optionally with ``%``/``€`` or a trailing remark ("1047 (presenze ...)"), or plain text
("nd", "/", "non previsto"). Empty cells produce **no row**; text-only cells produce a row with
``value`` NaN and the text kept in ``raw``. A cell that starts like a number but is not a valid
Italian number raises :class:`InputError`.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from cscplan import metadata
from cscplan.errors import InputError
from cscplan.io import read_source_text

MAP_HEADER = re.compile(r"^\W*ANALISI DELLA FORMULA GESTIONALE", re.I)
INDEX_ENTRY = re.compile(r"^\s*(?:[-*•]\s*)?(\d{1,3})\.\s+(.+?)\s*$")
NOT_PUBLISHED = re.compile(r"\s*\(non pubblicata\)\s*$", re.I)
DATE_CELL = re.compile(r"^31/12/(\d{4})$")
DASH_ROW = re.compile(r"^[\s\-|*]*$")
HTML_TAG = re.compile(r"<[^>]+>")
TOTAL_LABEL = re.compile(r"^(totale|tot\.?)$", re.I)
FORM_LABEL = re.compile(r"^(diretta|e(?:s)?ternalizzata|mista)$", re.I)
NUMBER = re.compile(r"[+-]?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?")
LEADING_NUMBER = re.compile(r"^(?P<cur>€\s*)?(?P<tok>[+-]?\d[\d.,]*)(?P<pct>%?)(?P<rest>.*)$", re.S)
NUMBER_END = " \t:("
UNLABELLED = "(senza etichetta)"
SEPARATOR = " | "

# Section markers inside a map, in document order (matched at the start of a line).
SECTIONS = (
    ("content", re.compile(r"^Contenuto del Servizio", re.I)),
    ("core", re.compile(r"^(?:1\)\s*)?Element[oi] central[ei]\b", re.I)),
    ("accessory", re.compile(r"^(?:2\)\s*)?Element[oi] accessori\b", re.I)),
    ("output", re.compile(r"^Output del Servizio", re.I)),
    ("users_intro", re.compile(r"^Utenza del Servizio", re.I)),
    ("utenti", re.compile(r"^Utenti seguiti", re.I)),
    ("delivery", re.compile(r"^Sistema di erogazione", re.I)),
    ("form", re.compile(r"^Forma gestionale", re.I)),
    ("staff", re.compile(r"^Risorse umane coinvolte", re.I)),
    ("coproduction", re.compile(r"^Segmenti di utenza coinvolti", re.I)),
    ("structures", re.compile(r"^Strutture erogative", re.I)),
)
REQUIRED_SECTIONS = ("content", "output", "utenti", "form", "staff", "structures")
SECTION_LABELS = {
    "content": "Contenuto del Servizio",
    "output": "Output del Servizio",
    "utenti": "Utenti seguiti (per ogni segmento)",
    "form": "Forma gestionale",
    "staff": "Risorse umane coinvolte",
    "structures": "Strutture erogative",
}
MAP_COLUMNS = list(metadata.dtypes("service_maps"))
VALUE_COLUMNS = list(metadata.dtypes("service_map_values"))
ABSENT_COLUMNS = list(metadata.dtypes("service_maps_absent"))


@dataclass(frozen=True)
class ServiceMaps:
    """The parsed document: published maps, their figures (long format) and absent maps."""

    maps: pd.DataFrame
    values: pd.DataFrame
    absent: pd.DataFrame

    def tables(self) -> dict[str, pd.DataFrame]:
        return {
            "service_maps": self.maps,
            "service_map_values": self.values,
            "service_maps_absent": self.absent,
        }


@dataclass(frozen=True)
class Line:
    no: int
    text: str

    @property
    def cells(self) -> list[str]:
        return [clean(c) for c in self.text.split("\t")]

    @property
    def plain(self) -> str:
        return clean(self.text.replace("\t", " "))


@dataclass(frozen=True)
class IndexEntry:
    no: int
    name: str
    area: str
    published: bool
    line: int


@dataclass
class Section:
    kind: str
    start: Line
    lines: list[Line] = field(default_factory=list)


def clean(text: str) -> str:
    """Strip HTML tags, markdown bold and surrounding/duplicate whitespace."""
    text = HTML_TAG.sub(" ", text).replace("**", "")
    return re.sub(r"[ \u00a0]+", " ", text).strip()


# --------------------------------------------------------------------------- entry points


def load_service_maps(path: str | Path) -> ServiceMaps:
    """Read and parse the service-maps text file (see :func:`parse_service_maps`)."""
    return parse_service_maps(read_source_text(path), source=str(path))


def parse_service_maps(text: str, source: str = "mappe dei servizi") -> ServiceMaps:
    """Parse the document text into :class:`ServiceMaps`; bad input raises :class:`InputError`."""
    lines = [Line(i, t) for i, t in enumerate(text.splitlines(), start=1)]
    if not any(line.text.strip() for line in lines):
        raise InputError(source, "il testo delle mappe dei servizi", "testo vuoto")
    starts = [line.no for line in lines if MAP_HEADER.match(line.text)]
    if not starts:
        raise InputError(
            source, "almeno una mappa ('ANALISI DELLA FORMULA GESTIONALE')", "nessuna mappa"
        )
    index = parse_index(lines[: starts[0] - 1], source)
    published = [e for e in index if e.published]
    chunks = split_maps(lines, starts)
    if len(published) != len(chunks):
        raise InputError(
            source,
            f"una mappa per ciascuno dei {len(published)} servizi pubblicati dell'indice",
            f"{len(chunks)} mappe",
            row=starts[0],
        )
    map_rows, value_rows = [], []
    for entry, chunk in zip(published, chunks, strict=True):
        map_row, values = parse_map(entry, chunk, source)
        map_rows.append(map_row)
        value_rows.extend(values)
    absent = [
        {"service_no": e.no, "service": e.name, "source_line": e.line}
        for e in index
        if not e.published
    ]
    return ServiceMaps(
        maps=validated("service_maps", pd.DataFrame(map_rows, columns=MAP_COLUMNS), source),
        values=validated(
            "service_map_values", pd.DataFrame(value_rows, columns=VALUE_COLUMNS), source
        ),
        absent=validated(
            "service_maps_absent", pd.DataFrame(absent, columns=ABSENT_COLUMNS), source
        ),
    )


# --------------------------------------------------------------------------- index


def parse_index(lines: list[Line], source: str) -> list[IndexEntry]:
    """Numbered index entries with their area (the last heading above them)."""
    entries: list[IndexEntry] = []
    area = ""
    for line in lines:
        text = clean(line.text)
        match = INDEX_ENTRY.match(text)
        if not match:
            area = text or area
            continue
        no, name = int(match.group(1)), match.group(2)
        expected = entries[-1].no + 1 if entries else 1
        if no != expected:
            raise InputError(source, f"la voce {expected} dell'indice", f"voce {no}", row=line.no)
        published = not NOT_PUBLISHED.search(name)
        name = NOT_PUBLISHED.sub("", name).strip()
        entries.append(IndexEntry(no, name, area, published, line.no))
    if not entries:
        raise InputError(source, "un indice numerato dei servizi ('1. ...')", "nessuna voce")
    return entries


def split_maps(lines: list[Line], starts: list[int]) -> list[list[Line]]:
    ends = starts[1:] + [len(lines) + 1]
    return [lines[s - 1 : e - 1] for s, e in zip(starts, ends, strict=True)]


# --------------------------------------------------------------------------- one map


def parse_map(entry: IndexEntry, chunk: list[Line], source: str) -> tuple[dict, list[dict]]:
    header_line = chunk[0].no
    sections = split_sections(chunk[1:])
    kinds = {s.kind for s in sections}
    for kind in REQUIRED_SECTIONS:
        if kind not in kinds:
            raise InputError(
                source,
                f"la sezione '{SECTION_LABELS[kind]}' nella mappa del servizio {entry.no}",
                "mappa troncata o sezione mancante",
                row=header_line,
                key=entry.name,
            )
    head = [ln for ln in chunk[1:] if ln.no < first(sections, "content").start.no]
    title, responsible = parse_header(head, entry, header_line, source)
    check_same_service(entry, title, header_line, source)
    form, marked, note = parse_form(first(sections, "form"), source)
    map_row = {
        "service_no": entry.no,
        "service": entry.name,
        "map_title": title,
        "area": entry.area,
        "responsible": responsible,
        "core_elements": SEPARATOR.join(element_names(sections, "core")),
        "accessory_elements": SEPARATOR.join(element_names(sections, "accessory")),
        "management_form": form,
        "management_marked": marked,
        "management_note": note,
        "staff": parse_staff(first(sections, "staff")),
        "structures": SEPARATOR.join(element_names(sections, "structures")),
        "source_line": header_line,
    }
    values: list[dict] = []
    for table in ("output", "utenti"):
        blocks = [s for s in sections if s.kind == table]
        for block_no, section in enumerate(blocks, start=1):
            values.extend(parse_table(entry, table, block_no, section, source))
    return map_row, values


def split_sections(lines: list[Line]) -> list[Section]:
    sections: list[Section] = []
    for line in lines:
        kind = section_kind(line)
        if kind:
            sections.append(Section(kind, line))
        elif sections:
            sections[-1].lines.append(line)
    return sections


def section_kind(line: Line) -> str | None:
    text = clean(line.text)
    for kind, pattern in SECTIONS:
        if pattern.match(text):
            return kind
    return None


def first(sections: list[Section], kind: str) -> Section:
    return next(s for s in sections if s.kind == kind)


def parse_header(
    head: list[Line], entry: IndexEntry, header_line: int, source: str
) -> tuple[str, str]:
    """Service title and responsible from any of the three header layouts."""
    labels = {"SERVIZIO": "title", "RESPONSABILE": "responsible"}
    found: dict[str, str] = {}
    pending: list[str] = []
    for line in head:
        text = line.plain
        if not text:
            continue
        word, _, rest = text.partition(" ")
        key = labels.get(word.upper())
        if key:
            if rest.strip():
                found[key] = rest.strip()
            else:
                pending.append(key)
        elif pending:
            found[pending.pop(0)] = text
    if "title" not in found:
        raise InputError(
            source,
            f"il nome del servizio dopo 'SERVIZIO' (servizio {entry.no} dell'indice)",
            "nessun nome",
            row=header_line,
            key=entry.name,
        )
    return found["title"], found.get("responsible", "")


def name_words(name: str) -> set[str]:
    text = unicodedata.normalize("NFKD", name.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    words = re.findall(r"[a-z]+", text)
    long_words = {w for w in words if len(w) >= 4}
    return long_words or set(words)


def check_same_service(entry: IndexEntry, title: str, header_line: int, source: str) -> None:
    """The n-th map must be the n-th published service: their names share at least one word."""
    if not name_words(entry.name) & name_words(title):
        raise InputError(
            source,
            f"la mappa del servizio {entry.no} '{entry.name}' (ordine dell'indice)",
            f"la mappa '{title}'",
            row=header_line,
        )


def element_names(sections: list[Section], kind: str) -> list[str]:
    """First cell of each row of an element/structure table (header and dash rows skipped)."""
    names: list[str] = []
    for section in (s for s in sections if s.kind == kind):
        for line in section.lines:
            cells = line.cells
            if DASH_ROW.match(line.text) or len(cells) < 2:
                continue
            name = next((c for c in cells[:-1] if c), "")
            is_header = name.lower() in {"elemento", "elementi accessori", "strutture", "stutture"}
            if name and not is_header and name not in names:
                names.append(name)
    return names


def parse_staff(section: Section) -> str:
    cells = [c for c in section.start.cells[1:] if c]
    if cells and cells[0].lower() == "personale":
        cells = cells[1:]
    return " ".join(cells)


# --------------------------------------------------------------------------- management form


def parse_form(section: Section, source: str) -> tuple[str, str, str]:
    """(form, marked forms, notes). One marked row → that form; several → 'mista'."""
    rows: list[tuple[str, str]] = []
    for line in [section.start, *section.lines]:
        if DASH_ROW.match(line.text):
            continue
        cells = line.cells
        label_at = next((i for i, c in enumerate(cells) if FORM_LABEL.match(c)), None)
        if label_at is not None:
            label = normalise_form(cells[label_at])
            rows.append((label, " ".join(c for c in cells[label_at + 1 :] if c)))
        elif rows and line.plain and section_kind(line) is None:
            label, mark = rows[-1]
            rows[-1] = (label, f"{mark} {line.plain}".strip())
    if not rows:
        raise InputError(
            source,
            "le voci Diretta / Esternalizzata / Mista della forma gestionale",
            "nessuna voce",
            row=section.start.no,
        )
    marks = [(label, read_mark(label, mark)) for label, mark in rows if mark]
    forms = [label for label, _ in marks]
    form = forms[0] if len(forms) == 1 else ("mista" if forms else "")
    notes = [(label, note) for label, note in marks if note]
    if len(forms) == 1:
        note_text = notes[0][1] if notes else ""
    else:
        note_text = "; ".join(f"{label.capitalize()}: {note}" for label, note in notes)
    return form, ";".join(forms), note_text


def normalise_form(label: str) -> str:
    label = label.lower()
    return "esternalizzata" if label.endswith("ternalizzata") else label


def read_mark(label: str, mark: str) -> str:
    """The note of a non-empty mark: an 'X' or the form's own name, or a note written instead."""
    text = mark.strip()
    for prefix in ("x", label):
        if text.lower() == prefix or re.match(rf"^{prefix}\b", text, re.I):
            text = text[len(prefix) :]
            break
    text = text.strip()
    if text.startswith("(") and text.endswith(")"):
        text = text[1:-1]
    return text.strip()


# --------------------------------------------------------------------------- value tables


def parse_table(
    entry: IndexEntry, table: str, block: int, section: Section, source: str
) -> Iterator[dict]:
    years: dict[int, int] | None = None
    for line in section.lines:
        cells = line.cells
        if DASH_ROW.match(line.text) or set(filter(None, cells)) <= {"Tipologia", "Quantità"}:
            continue
        dates = {i: DATE_CELL.match(c) for i, c in enumerate(cells)}
        if any(dates.values()):
            years = {i: int(m.group(1)) for i, m in dates.items() if m}
            continue
        if years is None:
            raise InputError(
                source,
                "la riga delle date (31/12/<anno> per ogni colonna) prima dei valori",
                repr(line.text[:60]),
                row=line.no,
            )
        yield from parse_row(entry, table, block, line, years, source)


def parse_row(
    entry: IndexEntry, table: str, block: int, line: Line, years: dict[int, int], source: str
) -> Iterator[dict]:
    cells = line.cells
    if len(cells) <= max(years):
        raise InputError(
            source,
            f"una voce e {len(years)} colonne di valori separate da tabulazioni",
            f"{len(cells)} celle: {line.text[:60]!r}",
            row=line.no,
        )
    label = cells[0] or UNLABELLED
    extra = " ".join(c for i, c in enumerate(cells[1:], start=1) if i not in years and c)
    for col, year in years.items():
        raw = cells[col]
        if not raw:
            continue
        try:
            value, unit, note, kind = parse_cell(raw)
        except ValueError:
            raise InputError(
                source,
                "un numero italiano (es. 12.085 oppure 154,875) o un testo",
                repr(raw),
                row=line.no,
                column=str(year),
            ) from None
        yield {
            "service_no": entry.no,
            "service": entry.name,
            "table": table,
            "block": block,
            "indicator": label,
            "row_kind": "totale" if TOTAL_LABEL.match(label) else "segmento",
            "year": year,
            "value": value,
            "cell_kind": kind,
            "unit": unit,
            "raw": raw,
            "note": " ".join(filter(None, [note, extra])),
            "source_line": line.no,
        }


def parse_cell(raw: str) -> tuple[float, str, str, str]:
    """(value, unit, note, kind) of one non-empty cell; ValueError if a number is malformed.

    >>> parse_cell("12.085")
    (12085.0, '', '', 'numero')
    >>> parse_cell("154,875")
    (154.875, '', '', 'numero')
    >>> parse_cell("nd")
    (nan, '', '', 'testo')
    """
    text = raw.strip()
    match = LEADING_NUMBER.match(text)
    if not match:
        return math.nan, "", "", "testo"
    token, rest = match.group("tok"), match.group("rest")
    if not NUMBER.fullmatch(token) or (rest and rest[0] not in NUMBER_END):
        raise ValueError(raw)
    value = float(token.replace(".", "").replace(",", "."))
    unit = "%" if match.group("pct") else ("€" if match.group("cur") else "")
    note = rest.strip(" :\t")
    return value, unit, note, ("numero_annotato" if note else "numero")


# --------------------------------------------------------------------------- schema


def validated(name: str, frame: pd.DataFrame, source: str) -> pd.DataFrame:
    """Apply the table's registry contract; a failure is the one input-error message."""
    frame = frame.astype({c: "float64" for c in ("value",) if c in frame})
    return metadata.validate(name, frame, source)
