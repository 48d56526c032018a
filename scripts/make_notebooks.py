"""Write the notebooks in notebooks/ (outputs empty, as committed).

The notebooks are thin: each cell calls the package and the markdown explains. Edit here and run
``.venv/bin/python scripts/make_notebooks.py`` rather than editing the JSON by hand.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
SETUP = """import pandas as pd
from IPython.display import display
from cscplan.fmt import eur
from cscplan.pipeline import BuildInputs
from cscplan.reports import charts
from cscplan.reports.presentation import scenario_label
from cscplan.reports.styling import styled

pd.set_option("display.max_rows", 60)
inputs = BuildInputs()"""


def notebook(cells: list[tuple[str, str]]) -> nbformat.NotebookNode:
    made = [
        new_markdown_cell(text) if kind == "md" else new_code_cell(text) for kind, text in cells
    ]
    nb = new_notebook(cells=made)
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.metadata["language_info"] = {"name": "python"}
    return nb


RICOSTRUZIONE = [
    (
        "md",
        "# 01 · Ricostruzione del budget 2020–2022\n\n"
        "Il Piano Programma viene letto dal testo originale (`data/raw/002_…txt`): ogni importo "
        "porta con sé la riga del documento da cui proviene (`source_line`). Le celle `#####` "
        "(importi troppo larghi per la colonna del foglio di calcolo) sono ricostruite dall'identità "
        "della riga e segnate come `imputed`.",
    ),
    (
        "code",
        SETUP
        + "\nfrom cscplan.pipeline import compute_build\nfrom cscplan.plan_years import PlanYears"
        '\n\ntables = compute_build(inputs).tables\nyears = PlanYears.from_table(tables["plan_info"])\n'
        "years",
    ),
    ("md", "## Le righe di budget, in forma ordinata\nUna riga per voce e per colonna di importo."),
    ("code", 'styled(tables["budget_lines"].head(12), "budget_lines", tables)'),
    (
        "md",
        "## Obiettivo × fonte di finanziamento (2020)\nRicostruito dal basso, con il totale "
        "dichiarato accanto a quello calcolato.",
    ),
    (
        "code",
        "from cscplan.budget import views\n\n"
        "wide = views.by_objective_source_wide(\n"
        '    tables["budget_lines"], tables["funding_sources"], tables["stated_totals"], years\n)\n'
        "styled(wide, money=True)",
    ),
    ("code", "charts.budget_treemap(tables)"),
    ("code", "charts.funding_sankey(tables)"),
    ("md", "## Azioni e voci\nOgni voce con PO 2019 e PO 2020 e la riga del documento."),
    ("code", 'styled(tables["budget_by_action"].head(20), "budget_by_action", tables)'),
    ("md", "## Budget pluriennale 2020–2022 e confronto con il preconsuntivo 2019"),
    ("code", 'styled(tables["multiyear_view"], "multiyear_view", tables)'),
    ("code", "charts.multiyear_bars(tables)"),
    ("code", "charts.comparison_waterfall(tables)"),
    (
        "md",
        "## Controlli\nIl totale 2020 ricostruito dalle righe coincide con il totale generale del "
        "pluriennale dichiarato nel documento; l'Obiettivo 5 vale 6.643.674,94 € dalle righe.",
    ),
    (
        "code",
        'lines = tables["budget_lines"]\n'
        'po2020 = lines.loc[lines["column"] == "PO 2020", "amount"].sum()\n'
        'stated = tables["stated_totals"]\n'
        'grand = stated[(stated["table"] == "pluriennale") & stated["objective_id"].isna()'
        ' & (stated["column"] == "2020")]["amount"].iloc[0]\n'
        "print(eur(po2020), eur(grand))\n"
        "assert abs(po2020 - grand) < 0.01\n"
        "assert abs(po2020 - 12_236_661.01) < 0.01\n"
        'obj5 = lines[(lines["column"] == "PO 2020") & (lines["objective_id"] == 5)]["amount"].sum()\n'
        "assert abs(obj5 - 6_643_674.94) < 0.01\n"
        'assert sorted(lines["objective_id"].unique()) == list(range(1, 16))',
    ),
]

VERIFICA = [
    (
        "md",
        "# 02 · Verifica dei totali\n\n"
        "Ogni totale, subtotale e cifra ripetuta tra tabelle viene ricalcolato. Ogni differenza è "
        "riportata con il luogo (tabella, obiettivo, colonna, riga del documento), la misura "
        "(dichiarato − calcolato) e una spiegazione; nessun dato dichiarato viene corretto.\n\n"
        "Gravità: **error** = differenza aritmetica; **warning** = problema strutturale (es. colonna "
        "assente dalla riga di totale); **info** = osservazione.",
    ),
    (
        "code",
        SETUP + "\nfrom cscplan.pipeline import validate_plan\n"
        "from cscplan.validation.checks import CHECKS\n"
        "from cscplan.validation.report import summary_text\n\n"
        "findings = validate_plan(inputs.plan)",
    ),
    ("md", "## Il catalogo dei controlli"),
    (
        "code",
        "pd.DataFrame([(name, c.description) for name, c in CHECKS.items()], "
        'columns=["Controllo", "Descrizione"]).style.hide(axis="index")',
    ),
    ("md", "## Il riepilogo, come lo stampa `cscplan validate`"),
    ("code", "print(summary_text(findings))"),
    (
        "code",
        'shown = ["check", "severity", "objective_id", "column", "source_line", "stated", '
        '"computed", "delta"]\n'
        'styled(findings[shown], "findings")',
    ),
    ("code", 'charts.wrong_totals_chart({"findings": findings})'),
    (
        "md",
        "## La cella mascherata e il bilancio per fonte\nLa cella `#####` dell'Obiettivo 5 (colonna "
        "ATS) è ricostruita dalla sua riga; con quel valore la fonte ATS quadra con le entrate.",
    ),
    (
        "code",
        "from cscplan.budget.funding import for_plan, funding_balance, load_funding_map\n"
        "from cscplan.sources.piano_programma import load_plan\n"
        "from cscplan.validation.masked import masked_recoveries, recover_masked\n\n"
        "plan = load_plan(inputs.plan)\n"
        "recovered = masked_recoveries(plan.budget_lines, plan.stated_totals)\n"
        'display(styled(recovered, money=["value"]))\n'
        "fmap = for_plan(load_funding_map(inputs.funding_map), plan.years)\n"
        "lines = recover_masked(plan.budget_lines, plan.stated_totals)\n"
        "balance = funding_balance(lines, plan.revenue, fmap)\n"
        'styled(balance, "funding_balance")',
    ),
    ("md", "## Controlli sui numeri chiave"),
    (
        "code",
        'obj5 = findings[(findings["check"] == "column_totals") & (findings["objective_id"] == 5)'
        ' & (findings["column"] == "PO 2020")]\n'
        'assert len(obj5) == 1 and abs(obj5["delta"].iloc[0] - (-320_000)) < 0.01\n'
        'assert (findings["severity"] == "error").sum() >= 1\n'
        'assert abs(recovered["value"].iloc[0] - 300_000) < 0.01\n'
        'ats = balance[balance["source"].str.contains("ATS")]\n'
        'assert (ats["difference"].abs() < 0.01).all()',
    ),
]

SCENARI = [
    (
        "md",
        "# 03 · Scenari tariffari 2023\n\n"
        "La casistica di esempio (`data/caseload_sample.csv`) è **sintetica**: volumi ricavati dalle "
        "righe del budget 2020 divise per le tariffe 2023. Ogni scenario è una *riforma* (file YAML in "
        "`data/scenarios/`) applicata alla baseline.",
    ),
    (
        "code",
        SETUP + "\nfrom cscplan.pipeline import compute_build\n\n"
        "tables = compute_build(inputs).tables",
    ),
    ("md", "## Costo annuo per scenario e servizio"),
    (
        "code",
        'wide = tables["costs_summary"].pivot(index="service", columns="scenario", '
        'values="gross_eur")\n'
        "styled(wide, money=True, labels={s: scenario_label(s, tables) for s in wide.columns})",
    ),
    ("code", "charts.scenario_by_service(tables)"),
    ("code", "charts.scenario_by_payer(tables)"),
    ("md", "## Differenze rispetto alla baseline per comune e per mese"),
    ("code", 'styled(tables["scenario_delta_comune"].head(15), "scenario_delta_comune", tables)'),
    ("code", "charts.cumulative_spend(tables)"),
    (
        "md",
        "## Incertezza\nMonte Carlo sull'effettiva fruizione (ore erogate / ore assegnate) di ogni "
        "piano: P10, P50, P90 del costo annuo, probabilità di superare l'impegno e mese in cui si "
        "raggiunge l'80% dell'impegno (soglia di allerta del monitoraggio trimestrale).",
    ),
    ("code", 'styled(tables["montecarlo_summary"], "montecarlo_summary", tables)'),
    ("code", 'styled(tables["montecarlo_quantiles"], "montecarlo_quantiles", tables)'),
    ("code", "charts.montecarlo_fan(tables)"),
    ("code", "charts.tornado(tables)"),
    (
        "md",
        "## Benchmark Cremona\nCrescita 2018→2020 dei servizi corrispondenti a Cremona: un ordine di "
        "grandezza da un'altra città, non una previsione.",
    ),
    (
        "code",
        'styled(tables["cremona_growth"].query("level == \'servizio\'"), "cremona_growth", tables)',
    ),
    ("code", "charts.cremona_growth_chart(tables)"),
    ("md", "## Collegamento al budget 2020"),
    ("code", 'styled(tables["budget_link"], "budget_link", tables)'),
    (
        "md",
        "## Prova tu\nScegli uno o più servizi (Ctrl/⌘ per selezionarne più d'uno), la data da cui "
        "vale la nuova tariffa, la variazione di tariffa, il moltiplicatore dei volumi e la quota di "
        "ore SAAP che passa da educatore (D1) a educatore professionale (D2); scegli se vedere i "
        "risultati per servizio, per comune o per pagatore (comuni e fondo distrettuale): il "
        "confronto si ricalcola subito. La data vale per la tariffa; volumi e mix valgono per "
        "tutto l'anno, come negli scenari.",
    ),
    (
        "code",
        "import datetime as dt\n"
        "from cscplan.reports.interactive import explore, formatted, scenario_explorer\n"
        "from cscplan.tariffs.schedule import load_schedule\n\n"
        'caseload = tables["caseload"]\n'
        "schedule = load_schedule(inputs.tariffs)\n"
        'scenario_explorer(caseload, schedule, sorted(schedule.items["service"].unique()))',
    ),
    (
        "md",
        "Lo stesso calcolo senza controlli: SAAP e SAD +5% da luglio, risultati per pagatore e per "
        "comune.",
    ),
    (
        "code",
        "july = schedule.period.start.replace(month=7)\n"
        'by_payer = explore(caseload, schedule, ["SAAP", "SAD"], 5, start=july, by="payer")\n'
        "display(formatted(by_payer))\n"
        'by_comune = explore(caseload, schedule, ["SAAP", "SAD"], 5, start=july, by="comune")\n'
        'formatted(by_comune.sort_values("differenza", ascending=False).head(10))',
    ),
    ("md", "## Controlli sui numeri chiave"),
    (
        "code",
        'summary = tables["costs_summary"]\n'
        'totals = summary.groupby("scenario")["gross_eur"].sum()\n'
        'assert {"baseline", "cremona_crescita", "saap_piu5_da_aprile"} <= set(totals.index)\n'
        'assert totals["saap_piu5_da_aprile"] > totals["baseline"]\n'
        'monthly = tables["costs_monthly"]\n'
        "from cscplan.vocabulary import PAYER_COLUMNS\n"
        'gap = (monthly[list(PAYER_COLUMNS.values())].sum(axis=1) - monthly["gross_eur"]).abs().max()\n'
        "assert gap < 0.011\n"
        'same = explore(caseload, schedule, "SAAP", 0, 1.0, 0.0)\n'
        'assert abs(same.loc["Totale", "differenza"]) < 0.01\n'
        'up = explore(caseload, schedule, "SAAP", 10, 1.0, 0.0)\n'
        'assert up.loc["SAAP", "differenza"] > 0 and abs(up.loc["SAD", "differenza"]) < 0.01\n'
        'payers = by_payer.drop("Totale")\n'
        'assert abs(payers["differenza"].sum() - by_payer.loc["Totale", "differenza"]) < 0.01\n'
        'assert abs(by_comune.loc["Totale", "differenza"] - by_payer.loc["Totale", "differenza"]) < 0.01\n'
        'later = explore(caseload, schedule, ["SAAP", "SAD"], 5, start=july.replace(month=10))\n'
        'assert 0 < later.loc["Totale", "differenza"] < by_payer.loc["Totale", "differenza"]\n'
        'mc = tables["montecarlo_quantiles"]\n'
        'assert (mc["p10_eur"] <= mc["p50_eur"]).all() and (mc["p50_eur"] <= mc["p90_eur"]).all()\n'
        'summary_mc = tables["montecarlo_summary"].iloc[0]\n'
        'assert 0 <= summary_mc["prob_exceed"] <= 1 and summary_mc["alert_month"].startswith("2023-")',
    ),
]

ASSEMBLEA = [
    (
        "md",
        "# 04 · Presentazione all'Assemblea dei Sindaci\n\n"
        "I grafici nell'ordine della presentazione: dove vanno le risorse, da dove vengono, cosa è "
        "cambiato dal 2019, il triennio, i totali da correggere, quanto costa una decisione "
        "tariffaria. Gli stessi grafici sono nel report HTML (`outputs/report.html`).",
    ),
    (
        "code",
        SETUP + "\nfrom cscplan.pipeline import compute_build\n"
        "from cscplan.reports.narrative import summary_paragraphs\n\n"
        "result = compute_build(inputs)\n"
        "figures = charts.build_charts(result.tables)",
    ),
    ("md", "## Sintesi"),
    ("code", 'print("\\n\\n".join(summary_paragraphs(result.tables)))'),
    ("md", "## Dove vanno le risorse (2020)"),
    ("code", 'figures["budget_obiettivi"]'),
    ("md", "## Da dove vengono"),
    ("code", 'figures["fonti_obiettivi"]'),
    ("md", "## Cosa cambia dal preconsuntivo 2019"),
    ("code", 'figures["preconsuntivo_budget"]'),
    ("md", "## Il triennio 2020–2022"),
    ("code", 'figures["pluriennale"]'),
    ("md", "## Totali da correggere prima dell'approvazione"),
    ("code", 'figures["verifiche"]'),
    ("md", "## Quanto costa una decisione tariffaria"),
    ("code", 'figures["scenari_servizi"]'),
    ("code", 'figures["scenari_pagatori"]'),
    ("code", 'figures["spesa_cumulata"]'),
    ("code", 'figures["montecarlo"]'),
    ("code", 'figures["sensibilita"]'),
    ("md", "## Benchmark Cremona"),
    ("code", 'figures["crescita_cremona"]'),
    ("md", "## Controlli"),
    (
        "code",
        "import plotly.graph_objects as go\n\n"
        "missing = {name: f for name, f in figures.items() if not isinstance(f, go.Figure)}\n"
        "assert missing == {}, missing\n"
        "assert len(figures) == len(charts.CHARTS)\n"
        "assert all(f.layout.title.text for f in figures.values())",
    ),
]

NUOVO_PIANO = [
    (
        "md",
        "# 06 · Il prossimo Piano Programma\n\n"
        "Dal piano 2020–2022 alla bozza 2021–2023: una cartella di lavoro modificabile in cui ogni "
        "totale è una formula (voce = somma delle fonti, subtotali per obiettivo e azione, fonti "
        "contro entrate, pluriennale da regole) e il foglio *Controlli* segnala ogni identità che non "
        "torna. Le voci collegate ai servizi del tariffario sono proposte dal motore dei costi; la "
        "casistica di esempio è **sintetica** e la nota di ogni voce lo dice.",
    ),
    (
        "code",
        "import tempfile\nfrom pathlib import Path\n\nimport pandas as pd\n"
        "from cscplan import paths\nfrom cscplan.fmt import eur\n"
        "from cscplan.planning.commands import load_any, run_compila, run_nuovo\n"
        "from cscplan.planning.compare import compare_plans, waterfall\n"
        "from cscplan.planning.reader import read_workbook\n\n"
        'folder = Path(tempfile.mkdtemp())\nworkbook = folder / "piano_2021_2023.xlsx"\n'
        'print(run_nuovo(paths.PIANO_PROGRAMMA, workbook, "2021-2023"))',
    ),
    (
        "md",
        "## Le voci proposte dal motore dei costi\nLa nota dice casistica, tariffe e anno costato.",
    ),
    (
        "code",
        "draft = read_workbook(workbook)\nlines = draft.lines\n"
        'proposed = lines[lines["note"] != ""][["objective_id", "item", "po_previous", "po_current", "note"]]\n'
        'pd.set_option("display.max_colwidth", 200)\nproposed',
    ),
    (
        "md",
        "## Compilare: tabelle del documento, PDF A4, testo del Piano Programma\n"
        "Le verifiche sono quelle del documento originale: nessun errore aritmetico per costruzione; "
        "restano le segnalazioni strutturali (qui: le fonti riproporzionate non coincidono più con "
        "le entrate riportate dall'anno precedente, da aggiornare).",
    ),
    ("code", 'print(run_compila(workbook, folder / "compilato", pdf=False))'),
    ("md", "## Cosa cambia dal piano 2020–2022"),
    (
        "code",
        "before, after = load_any(paths.PIANO_PROGRAMMA), load_any(workbook)\n"
        "changes = compare_plans(before.tables, after.tables, before.funding_map, after.funding_map)\n"
        'changes[changes["change_level"] == "obiettivo"][["objective_id", "amount_a", "amount_b", "change_delta"]]',
    ),
    (
        "code",
        'total_2020 = before.draft.lines["po_current"].sum()\n'
        'waterfall(changes, total_2020, "Piano 2020–2022", "Bozza 2021–2023")',
    ),
    ("md", "## Controlli"),
    (
        "code",
        "from cscplan.scenarios.api import cost\n\n"
        'assert draft.years.plan_columns == ("PO 2020", "PO 2021")\n'
        'assert abs(lines["po_previous"].sum() - 12_236_661.01) < 0.01\n'
        'saap = cost(paths.SAMPLE_CASELOAD).query("item.str.startswith(\'SAAP\')")["gross_eur"].sum()\n'
        'line = lines[lines["item"] == "SAAP"].iloc[0]\n'
        'assert abs(line["po_current"] - saap) < 0.01 and "SINTETICA" in line["note"]\n'
        'assert set(changes["change_level"]) >= {"voce", "obiettivo", "fonte"}\n'
        'compiled = folder / "compilato" / "piano_programma_2021_2023.txt"\n'
        "assert compiled.exists()",
    ),
]


PREVISIONE = [
    (
        "md",
        "# 05 · Previsione di spesa per Comune\n\n"
        "Entro il 30 novembre ogni Comune trasmette a CSC la previsione di spesa autorizzatoria per "
        "l'anno successivo, con il prospetto degli utenti e delle ore assegnate (linee guida 2023, "
        "righe 197–199; per il SAAP entro il 30 luglio, per anno scolastico). Qui una cartella di "
        "prospetti, uno per Comune, diventa una cartella Excel per Comune (*Previsione di spesa – "
        "Comune di …*) e il riepilogo distrettuale.\n\n"
        "I prospetti di `data/esempi/` sono la **casistica di esempio (sintetica)**: i piani di "
        "quattro Comuni del campione, scritti come li scriverebbe un ufficio (tre `.xlsx` e un CSV "
        "di Excel in italiano, una colonna *Note* in più). `ANNO` è l'anno della previsione: il "
        "tariffario incluso copre il 2023; con le tariffe 2024 basta scrivere 2024.",
    ),
    (
        "code",
        "import tempfile\nfrom pathlib import Path\n\nimport pandas as pd\n"
        "from cscplan import paths\nfrom cscplan.errors import InputError\n"
        "from cscplan.fmt import eur\n"
        "from cscplan.forecast.command import build_forecast, run_previsione\n"
        "from cscplan.forecast.workbook import headers\n"
        "from cscplan.intake.profile import load_profile\n"
        "from cscplan.intake.submissions import read_submissions\n"
        "from cscplan.periods import Period\n"
        "from cscplan.reports.styling import styled\n"
        "from cscplan.tariffs.schedule import load_schedule\n\n"
        "ANNO = 2023\n"
        "schedule = load_schedule(paths.TARIFFS)\n"
        "profile = load_profile(paths.DEFAULT_PROFILE)\n"
        "submission = read_submissions(paths.EXAMPLES, profile, schedule.items)\n"
        "[f.name for f in submission.files]",
    ),
    (
        "md",
        "## Come sono stati letti i file\n"
        "Le intestazioni sono riconosciute dal profilo `data/profili/prospetto_comune.yaml` (nomi "
        "italiani delle colonne e dei servizi: aggiungerne è una modifica del file, non del codice). "
        "Le colonne sconosciute non sono un errore: restano da parte, con una nota.",
    ),
    (
        "code",
        'styled(pd.DataFrame({"nota": submission.notes}), labels={"nota": "Nota di lettura"})',
    ),
    (
        "code",
        'styled(submission.extras.head(8), labels={"file": "File", "line": "Riga", '
        '"beneficiary_id": "Beneficiario", "column": "Colonna", "value": "Valore"})',
    ),
    (
        "md",
        "## Un prospetto sbagliato\n"
        "Un errore produce un solo messaggio in italiano con file, riga (come la mostra Excel) e "
        "colonna del file: qui una data che non esiste.",
    ),
    (
        "code",
        "folder = Path(tempfile.mkdtemp())\nbad = folder / 'prospetto_sbagliato.csv'\n"
        "bad.write_text(\n"
        "    'Codice utente;Comune;Servizio;Data inizio;Data fine;Ore settimanali\\n'\n"
        "    'U1;Crema;SAD feriale;01/01/2023;31/02/2024;6\\n',\n"
        "    encoding='utf-8',\n)\n"
        "try:\n    read_submissions(bad, profile, schedule.items)\n"
        "except InputError as err:\n    problem = err.message\nprint(problem)",
    ),
    (
        "md",
        "## La previsione\n"
        "Progetti in continuità: un piano senza data di fine continua fino alla fine del periodo; "
        "uno con la data di fine si ferma lì; un pacchetto già avviato non si ripete. Le tariffe "
        "sono quelle del periodo, giorno per giorno; un anno che il tariffario non copre è rifiutato.",
    ),
    (
        "code",
        "result = build_forecast(paths.EXAMPLES, Period.calendar_year(ANNO))\n"
        "district = result.district\n"
        'styled(district.head(12), "forecast_district", labels=headers(result, list(district.columns), "forecast_district"))',
    ),
    ("md", "## Per Comune: l'importo autorizzativo (quota a carico del Comune) e i fondi"),
    (
        "code",
        "from cscplan.payers import payer_columns\n\n"
        'money = ["gross_eur", *payer_columns(district.columns)]  # every payer, also new ones\n'
        'per_comune = district.groupby("comune")[money].sum()\n'
        'styled(per_comune, "forecast_district", labels=headers(result, list(per_comune.columns), "forecast_district"))',
    ),
    ("md", "## Le cartelle Excel"),
    (
        "code",
        'out = folder / "previsione"\nprint(run_previsione(paths.EXAMPLES, result.period, "--anno", out))\n'
        "sorted(p.name for p in out.iterdir())",
    ),
    ("md", "## Controlli"),
    (
        "code",
        "import openpyxl\nfrom cscplan.scenarios.api import cost\n\n"
        'engine = cost(paths.EXAMPLES, year=ANNO).groupby("comune")["comune_eur"].sum()\n'
        'assert (per_comune["comune_eur"] - engine).abs().max() < 0.01\n'
        'assert "febbraio 2024 ha 29 giorni" in problem and "riga 2" in problem\n'
        "workbooks = sorted(out.glob(f'previsione_{ANNO}_*.xlsx'))\n"
        "assert 4 <= len(workbooks) - 1 <= 48\n"
        "sheet = openpyxl.load_workbook(out / f'previsione_{ANNO}_crema.xlsx')['Previsione']\n"
        "assert sheet['A1'].value == f'Previsione di spesa {ANNO} – Comune di Crema'\n"
        "assert 'casistica di esempio (sintetica)' in sheet['A2'].value\n"
        "print(eur(engine.sum()))",
    ),
]


MONITORAGGIO = [
    (
        "md",
        "# 07 · Il ciclo del mese e il monitoraggio trimestrale\n\n"
        "Durante l'anno: l'Ente convalida le ore in Gecas entro l'8, il Comune le controlla dal 9 al "
        "20, l'Ente fattura dal 21 e CSC paga nei limiti dell'impegno del Comune (linee guida 2023, "
        "righe 163–175); ogni trimestre CSC manda a ogni Comune la spesa per beneficiario e lo avvisa "
        "all'80% dell'impegno (righe 177–181), poi chiede il rimborso con la *nota di riparto* (189–191).\n\n"
        "I file di `data/esempi/monitoraggio/` sono un **esempio sintetico** (primo trimestre 2023, "
        "quattro Comuni) con sei errori inseriti apposta nelle fatture e negli impegni: il notebook "
        "mostra che il ciclo li trova tutti, una volta sola, e nient'altro.",
    ),
    (
        "code",
        "import tempfile\nfrom pathlib import Path\n\nimport pandas as pd\n"
        "from cscplan import metadata, paths\n"
        "from cscplan.fmt import eur\n"
        "from cscplan.monitoring.command import CycleInputs, compute_cycle, quarter_months, run_trimestre\n"
        "from cscplan.reports.styling import styled\n"
        "from cscplan.tabular import read_table\n\n"
        'ESEMPIO = paths.EXAMPLES / "monitoraggio"\n'
        "inputs = CycleInputs(\n"
        '    activity=ESEMPIO / "attivita_2023T1.csv",\n'
        '    invoices=ESEMPIO / "fatture_2023T1.csv",\n'
        '    commitments=ESEMPIO / "impegni_2023.csv",\n'
        "    caseload=paths.SAMPLE_CASELOAD,\n)\n"
        'cycle = compute_cycle(inputs, quarter_months("2023Q1"), key="--trimestre")\n'
        "cycle.labels",
    ),
    (
        "md",
        "## Dalle visite ai minuti fatturabili\n"
        "Ogni regola è nel tariffario (`data/tariffs/tariffario.yaml`, sezione `billing`, con la riga "
        "delle linee guida): SAD + 10 minuti di trasferimento, per difetto a 15, minimo 30; ADM, SIP, "
        "SAAP e AID solo l'attività diretta; ogni operatore presente; la voce festiva la domenica e "
        "nelle festività nazionali; il back-office registrato ma mai fatturato. La colonna *regola* "
        "dice quale ha deciso.",
    ),
    (
        "code",
        "visits = cycle.visits\n"
        'rules = visits.groupby("rule").size().rename("visite").to_frame()\n'
        'styled(rules, labels={"visite": "Visite"}, money=False)',
    ),
    (
        "code",
        'sad = visits[visits["item"].str.startswith("SAD")].head(6)\n'
        'styled(sad, "billable_visits")',
    ),
    (
        "md",
        "## La verifica delle fatture\n"
        "Ogni fattura contro le ore validate, per beneficiario; ogni differenza ha il suo motivo.",
    ),
    (
        "code",
        "check = cycle.check.table\n"
        'wrong = check[check["reason"] != ""]\n'
        'styled(wrong, "invoice_check")',
    ),
    ("md", "## Gli impegni e gli avvisi"),
    (
        "code",
        "status = cycle.watched.status\n"
        'styled(status.sort_values("used_share", ascending=False).head(8), "commitment_status")',
    ),
    (
        "code",
        'findings = cycle.findings\nstyled(findings[["severity", "message"]], "findings")',
    ),
    ("md", "## Il pacchetto trimestrale"),
    (
        "code",
        'out = Path(tempfile.mkdtemp()) / "trimestre"\n'
        'text, code = run_trimestre(inputs, "2023Q1", out, fail_on="never")\n'
        "print(text)\nsorted(p.name for p in out.iterdir())",
    ),
    ("md", "## Controlli: ogni errore inserito trovato una volta, con l'importo giusto"),
    (
        "code",
        'planted = read_table(ESEMPIO / "errori_inseriti.csv").frame()\n'
        'over = planted[planted["Errore"] == "impegno superato"]\n'
        "invoice_errors = planted.drop(over.index)\n"
        'found = wrong.set_index(["provider", "month", "beneficiary_id"])\n'
        'for ente, mese, utente, differenza in invoice_errors[["Ente", "Mese", "Codice utente", "Differenza"]].itertuples(index=False):\n'
        "    key = (ente, mese, utente)\n"
        "    assert key in found.index, key\n"
        '    assert abs(found.loc[key, "delta"] - float(differenza.replace(",", "."))) < 0.01, key\n'
        "assert len(found) == len(invoice_errors)\n"
        'exceeded = findings[findings["message"].str.contains("oltre l\'impegno")]\n'
        'assert len(exceeded) == len(over) and over["Codice utente"].iloc[0] in exceeded["message"].iloc[0]\n'
        "assert code == 0 and (out / 'panoramica_distretto.html').exists()\n"
        "assert all('sintetica' in label for label in cycle.labels.values() if label)\n"
        "print(len(found), 'differenze trovate su', len(check), 'confronti;', eur(cycle.monthly['gross_eur'].sum()))",
    ),
]


def main() -> None:
    books = {
        "01_ricostruzione_budget.ipynb": RICOSTRUZIONE,
        "02_verifica_totali.ipynb": VERIFICA,
        "03_scenari_tariffari.ipynb": SCENARI,
        "04_presentazione_assemblea.ipynb": ASSEMBLEA,
        "05_previsione_comuni.ipynb": PREVISIONE,
        "06_nuovo_piano.ipynb": NUOVO_PIANO,
        "07_ciclo_mensile.ipynb": MONITORAGGIO,
    }
    for name, cells in books.items():
        nb = notebook(cells)
        for index, cell in enumerate(nb.cells):
            cell["id"] = f"{name[:2]}-{index:02d}"
        nbformat.write(nb, NOTEBOOKS / name)


if __name__ == "__main__":
    main()
