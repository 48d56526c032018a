"""Command line: ``cscplan build | validate | cost | report | previsione | mese | trimestre |
piano (nuovo | compila | confronta)``.

Exit codes: 0 success, 1 findings at or above the ``--fail-on`` threshold, 2 bad input.
Bad input prints one Italian message (file, row/key, expected, found); ``--debug`` shows the traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from cscplan import paths
from cscplan.errors import InputError
from cscplan.vocabulary import DEFAULT_SEED, FAIL_ON

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="cscplan — Piano Programma, verifiche dei totali e scenari tariffari di Comunità Sociale Cremasca.",
)
_STATE = {"debug": False}

OutOption = Annotated[Path, typer.Option("--out", help="Cartella di destinazione degli output.")]
RawOption = Annotated[
    Path, typer.Option("--plan", help="Testo del Piano Programma (default: data/raw/002_…txt).")
]
MapsOption = Annotated[
    Path, typer.Option("--service-maps", help="Testo delle mappe dei servizi di Cremona.")
]
TariffsOption = Annotated[Path, typer.Option("--tariffs", help="Tariffario (YAML).")]
SchoolYearOption = Annotated[
    str | None,
    typer.Option(
        "--anno-scolastico",
        help="Anno scolastico, es. 2023/24 (dal 1° settembre al 30 giugno), invece dell'anno.",
    ),
]
FundingOption = Annotated[
    Path, typer.Option("--funding-map", help="Mappa colonne → fonti di finanziamento (CSV).")
]
SCREENSHOT_HELP = (
    "Usa Chromium per lo screenshot del report e le immagini della presentazione "
    "(--no-screenshot: niente browser, presentazione senza immagini)."
)
PDF_HELP = "Stampa anche il report in report.pdf (A4) con Chromium."
ScenarioOption = Annotated[
    list[Path] | None, typer.Option("--scenario", help="File YAML di scenario (ripetibile).")
]


@app.callback()
def _main(
    debug: Annotated[bool, typer.Option("--debug", help="Mostra il traceback completo.")] = False,
) -> None:
    _STATE["debug"] = debug


@app.command()
def build(
    out: OutOption = paths.DEFAULT_OUT,
    plan: RawOption = paths.PIANO_PROGRAMMA,
    caseload: Annotated[
        Path,
        typer.Option(
            help="Casistica da costare: CSV o .xlsx, oppure i prospetti dei Comuni (un file o una "
            "cartella); default: casistica di esempio (sintetica). Gli scenari inclusi che non si "
            "applicano alla casistica sono saltati con una nota."
        ),
    ] = paths.SAMPLE_CASELOAD,
    scenario: ScenarioOption = None,
    service_maps: MapsOption = paths.SERVICE_MAPS,
    tariffs: TariffsOption = paths.TARIFFS,
    funding_map: FundingOption = paths.FUNDING_SOURCES,
    impegno: Annotated[
        float | None,
        typer.Option(
            "--impegno",
            help="Impegno di spesa annuo (€) per il Monte Carlo; default: costo baseline pieno.",
        ),
    ] = None,
    seed: Annotated[
        int, typer.Option(help="Seme del Monte Carlo (intero tra 0 e 4294967295).")
    ] = DEFAULT_SEED,
    draws: Annotated[int, typer.Option(help="Estrazioni del Monte Carlo (da 1 a 100.000).")] = 1000,
    screenshot: Annotated[bool, typer.Option(help=SCREENSHOT_HELP)] = True,
    pdf: Annotated[bool, typer.Option("--pdf", help=PDF_HELP)] = False,
) -> None:
    """Costruisce tutti gli output dai sorgenti inclusi (tabelle, verifiche, scenari, report)."""
    from cscplan.pipeline import BuildInputs, default_scenarios, run_build

    inputs = BuildInputs(  # validates --seed, --draws and --impegno (see BuildInputs)
        plan=plan,
        caseload=caseload,
        scenarios=tuple(scenario) if scenario else default_scenarios(),
        optional_scenarios=not scenario,
        service_maps=service_maps,
        tariffs=tariffs,
        funding_map=funding_map,
        commitment=impegno,
        seed=seed,
        draws=draws,
    )
    typer.echo(run_build(inputs, out=out, screenshot=screenshot, echo=typer.echo, pdf=pdf))


@app.command()
def validate(
    plan: RawOption = paths.PIANO_PROGRAMMA,
    funding_map: FundingOption = paths.FUNDING_SOURCES,
    fail_on: Annotated[
        str, typer.Option("--fail-on", help="Soglia di uscita: error | warning | never.")
    ] = "error",
) -> None:
    """Verifica tutti i totali del Piano Programma e stampa un riepilogo in italiano."""
    from cscplan.pipeline import validate_plan
    from cscplan.validation.report import exit_code_for, summary_text

    if fail_on not in FAIL_ON:
        raise InputError(
            None, f"--fail-on tra {', '.join(FAIL_ON)}", repr(fail_on), key="--fail-on"
        )
    findings = validate_plan(plan, funding_map)
    typer.echo(summary_text(findings))
    raise typer.Exit(exit_code_for(findings, fail_on))


@app.command()
def cost(
    caseload: Annotated[
        Path,
        typer.Argument(
            help="Casistica: CSV o .xlsx, oppure i prospetti dei Comuni (file o cartella)."
        ),
    ],
    scenario: ScenarioOption = None,
    year: Annotated[
        int | None,
        typer.Option(
            "--year",
            help="Anno solare da costare, es. 2024 (default: il periodo datato dal tariffario).",
        ),
    ] = None,
    anno_scolastico: SchoolYearOption = None,
    from_: Annotated[
        str | None,
        typer.Option("--from", help="Primo giorno da costare (AAAA-MM-GG), insieme a --to."),
    ] = None,
    to: Annotated[
        str | None,
        typer.Option("--to", help="Ultimo giorno da costare (AAAA-MM-GG), insieme a --from."),
    ] = None,
    tariffs: TariffsOption = paths.TARIFFS,
    out: OutOption = paths.DEFAULT_OUT / "costi",
) -> None:
    """Costa una casistica alle tariffe del tariffario (scenario base + scenari) per un anno, un
    anno scolastico o un periodo qualunque coperto dal tariffario; scrive costs_*.csv."""
    from cscplan.periods import period_option
    from cscplan.pipeline import run_cost

    period, key = period_option(year, anno_scolastico, from_, to)
    typer.echo(
        run_cost(caseload, scenario or [], period=period, period_key=key, out=out, tariffs=tariffs)
    )


@app.command()
def report(
    out: OutOption = paths.DEFAULT_OUT,
    plan: RawOption = paths.PIANO_PROGRAMMA,
    screenshot: Annotated[bool, typer.Option(help=SCREENSHOT_HELP)] = True,
    pdf: Annotated[bool, typer.Option("--pdf", help=PDF_HELP)] = False,
) -> None:
    """Produce il report HTML offline, la cartella di lavoro Excel e la presentazione."""
    from cscplan.pipeline import BuildInputs, run_report

    inputs = BuildInputs(plan=plan)
    typer.echo(run_report(inputs, out=out, screenshot=screenshot, pdf=pdf, echo=typer.echo))


@app.command()
def previsione(
    caseload: Annotated[
        Path,
        typer.Argument(
            help="Casistica: un file (.xlsx o CSV) o una cartella di prospetti, uno per Comune."
        ),
    ],
    anno: Annotated[
        int | None, typer.Option("--anno", help="Anno della previsione (es. 2024).")
    ] = None,
    anno_scolastico: SchoolYearOption = None,
    tariffs: TariffsOption = paths.TARIFFS,
    profilo: Annotated[
        Path, typer.Option("--profilo", help="Profilo delle colonne (YAML, data/profili/).")
    ] = paths.DEFAULT_PROFILE,
    out: OutOption = paths.DEFAULT_OUT / "previsione",
) -> None:
    """Previsione di spesa per Comune (progetti in continuità) e riepilogo distrettuale."""
    from cscplan.forecast.command import forecast_period, run_previsione

    period, key = forecast_period(anno, anno_scolastico)
    typer.echo(run_previsione(caseload, period, key, out, tariffs, profilo))


# --- mese / trimestre: the year's monthly cycle and the quarterly pack ----------------------------

ActivityArgument = Annotated[
    Path,
    typer.Argument(help="Esportazione delle prestazioni validate (Gecas): .xlsx o CSV."),
]
InvoicesOption = Annotated[
    Path | None, typer.Option("--fatture", help="Fatture degli Enti (.xlsx o CSV).")
]
CommitmentsOption = Annotated[
    Path | None, typer.Option("--impegni", help="Impegni di spesa dei Comuni (.xlsx o CSV).")
]
PlansOption = Annotated[
    Path | None,
    typer.Option(
        "--casistica",
        help="Piani in corso (casistica): la previsione dei mesi restanti degli impegni.",
    ),
]
FailOnOption = Annotated[
    str, typer.Option("--fail-on", help="Soglia di uscita: error | warning | never.")
]


def _cycle_inputs(attivita, fatture, impegni, casistica, tariffs):
    from cscplan.monitoring.command import CycleInputs

    return CycleInputs(attivita, fatture, impegni, casistica, tariffs)


def _fail_on(value: str) -> str:
    if value not in FAIL_ON:
        raise InputError(None, f"--fail-on tra {', '.join(FAIL_ON)}", repr(value), key="--fail-on")
    return value


@app.command()
def mese(
    attivita: ActivityArgument,
    mese: Annotated[
        str | None,
        typer.Option(
            "--mese", help="Mese da elaborare, es. 2023-03 (default: ogni mese del file)."
        ),
    ] = None,
    fatture: InvoicesOption = None,
    impegni: CommitmentsOption = None,
    casistica: PlansOption = None,
    tariffs: TariffsOption = paths.TARIFFS,
    fail_on: FailOnOption = "error",
    out: OutOption = paths.DEFAULT_OUT / "mese",
) -> None:
    """Il ciclo del mese: ore validate → unità ed euro fatturabili, verifica delle fatture,
    impegni e avvisi dell'80%."""
    from cscplan.monitoring.command import run_mese

    inputs = _cycle_inputs(attivita, fatture, impegni, casistica, tariffs)
    text, code = run_mese(inputs, mese, out, _fail_on(fail_on))
    typer.echo(text)
    raise typer.Exit(code)


@app.command()
def trimestre(
    attivita: ActivityArgument,
    trimestre: Annotated[
        str, typer.Option("--trimestre", help="Trimestre, es. 2023Q1 (gennaio–marzo 2023).")
    ],
    fatture: InvoicesOption = None,
    impegni: CommitmentsOption = None,
    casistica: PlansOption = None,
    tariffs: TariffsOption = paths.TARIFFS,
    fail_on: FailOnOption = "never",
    out: OutOption = paths.DEFAULT_OUT / "trimestre",
) -> None:
    """Il monitoraggio trimestrale: una cartella Excel per Comune (spesa per beneficiario nel
    trimestre e dall'inizio dell'anno, avvisi, nota di riparto) e la panoramica distrettuale."""
    from cscplan.monitoring.command import run_trimestre

    inputs = _cycle_inputs(attivita, fatture, impegni, casistica, tariffs)
    text, code = run_trimestre(inputs, trimestre, out, _fail_on(fail_on))
    typer.echo(text)
    raise typer.Exit(code)


# --- piano: draft, compile and compare plans ------------------------------------------------------

piano = typer.Typer(
    no_args_is_help=True,
    help="Il prossimo Piano Programma: cartella di lavoro modificabile, compilazione, confronto.",
)
app.add_typer(piano, name="piano")


@piano.command("nuovo")
def piano_nuovo(
    da: Annotated[
        Path, typer.Option("--da", help="Piano di partenza: testo (.txt) o cartella (.xlsx).")
    ],
    out: Annotated[Path, typer.Option("--out", help="Cartella di lavoro da scrivere (.xlsx).")],
    anni: Annotated[
        str | None,
        typer.Option("--anni", help="Anni del nuovo piano, es. 2021-2023 (default: l'anno dopo)."),
    ] = None,
    caseload: Annotated[
        Path, typer.Option(help="Casistica per le proposte del motore dei costi.")
    ] = paths.SAMPLE_CASELOAD,
    tariffs: TariffsOption = paths.TARIFFS,
    funding_map: FundingOption = paths.FUNDING_SOURCES,
    budget_link: Annotated[
        Path, typer.Option("--budget-link", help="Collegamento servizi → voci di budget (CSV).")
    ] = paths.BUDGET_LINK,
) -> None:
    """Crea la cartella di lavoro del prossimo piano (o dello stesso, con i suoi anni)."""
    from cscplan.planning.commands import bundled_basis, run_nuovo

    basis = bundled_basis(caseload, tariffs)
    typer.echo(run_nuovo(da, out, anni, funding_map, budget_link, basis))


@piano.command("compila")
def piano_compila(
    workbook: Annotated[Path, typer.Argument(help="Cartella di lavoro del piano (.xlsx).")],
    out: OutOption = paths.DEFAULT_OUT / "piano",
    pdf: Annotated[bool, typer.Option(help="Stampa anche il PDF A4 (Chromium).")] = True,
) -> None:
    """Compila la cartella: tabelle del documento (Excel), PDF A4 e testo del Piano Programma."""
    from cscplan.planning.commands import run_compila

    typer.echo(run_compila(workbook, out, pdf))


@piano.command("confronta")
def piano_confronta(
    a: Annotated[Path, typer.Argument(help="Primo piano (.txt o .xlsx).")],
    b: Annotated[Path, typer.Argument(help="Secondo piano (.txt o .xlsx).")],
    out: Annotated[
        Path | None, typer.Option("--out", help="Cartella per la tabella e il grafico a cascata.")
    ] = None,
    funding_map: FundingOption = paths.FUNDING_SOURCES,
) -> None:
    """Cosa cambia tra due piani: voci, obiettivi, azioni, fonti, entrate, pluriennale, totali."""
    from cscplan.planning.commands import run_confronta

    typer.echo(run_confronta(a, b, out, funding_map))


def main(argv: list[str] | None = None) -> int:
    """Console entry point: maps InputError to one clear message and exit code 2."""
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    try:
        rc = app(args=argv, standalone_mode=False)
    except InputError as err:
        if debug:
            raise
        typer.secho(f"Errore nei dati di input: {err.message}", err=True, fg="red")
        return 2
    except typer.Exit as exc:
        return exc.exit_code
    except SystemExit as exc:  # pragma: no cover - click's own exits
        return int(exc.code or 0)
    except typer.Abort:
        return 130
    except Exception as exc:  # usage errors of the (vendored) click: unknown command, bad value
        if debug or not (hasattr(exc, "show") and hasattr(exc, "exit_code")):
            raise
        exc.show()
        return 2
    return rc if isinstance(rc, int) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
