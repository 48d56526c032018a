"""The *Istruzioni* sheet: a short Italian guide to the plan workbook, written into it."""

from __future__ import annotations

from cscplan.metadata.fields import DRAFT_RULES
from cscplan.planning import sheets as S
from cscplan.planning.draft import PlanDraft


def instruction_rows(draft: PlanDraft) -> list[tuple[str, bool]]:
    """(text, bold) rows of the guide, with the plan's own years."""
    years = draft.years
    amount, same, percent = DRAFT_RULES
    rows = [
        (f"{years.title} — cartella di lavoro modificabile ({S.FORMAT_MARK})", True),
        (
            "Questa cartella è il piano stesso: si modificano solo le celle bianche; le celle "
            "grigie sono formule (protette) e si aggiornano da sole. Ogni totale del Piano "
            "Programma è calcolato dalle voci, quindi non può contraddirle.",
            False,
        ),
        ("Cosa si scrive, foglio per foglio", True),
        (
            f"{S.PLAN}: titolo e anni del piano (solo lettura; per un piano di altri anni usare "
            "'cscplan piano nuovo').",
            False,
        ),
        (
            f"{S.OBJECTIVES}: numero, titolo e colonne della scheda (le fonti da mostrare anche se "
            f"vuote, separate da ';'). Le colonne grigie sono i totali per obiettivo; "
            f"'Fonti − {years.po_current}' deve essere 0.",
            False,
        ),
        (
            f"{S.ACTIONS}: le azioni di ogni obiettivo (testo che inizia con 'Azione', es. "
            "'Azione 2: Informatizzazione'); i subtotali per azione sono formule.",
            False,
        ),
        (
            f"{S.LINES}: una riga per voce. Obiettivo e Azione si scelgono dall'elenco; "
            f"{years.po_previous} è il PO dell'anno precedente; sotto ogni fonte l'importo "
            f"finanziato (vuoto = la fonte non finanzia la voce). Il {years.po_current} è la "
            "somma delle fonti (formula). 'Parte' è la tabella della scheda stampata (1 per le "
            "voci nuove). Per aggiungere una voce usare le righe vuote in fondo, prima di TOTALE. "
            "La colonna Nota dice da dove viene una proposta (motore dei costi: casistica e "
            "tariffe usate) e non viene stampata.",
            False,
        ),
        (
            f"{S.SOURCES}: per ogni colonna di finanziamento la fonte canonica e il gruppo; a "
            "destra il pareggio per fonte: assegnato nelle voci contro disponibile nelle entrate.",
            False,
        ),
        (
            f"{S.REVENUE}: le voci dei Canali di finanziamento, ciascuna con il suo gruppo "
            "(subtotale) e la fonte che alimenta; a destra le etichette dei subtotali (devono "
            "iniziare con 'Totale') e del totale generale, con le somme (formule).",
            False,
        ),
        (
            f"{S.MULTIYEAR}: il {years.budget_year} è il totale delle voci; per ogni anno "
            f"successivo scegliere la regola: '{amount}' (scrivere l'importo in Valore), '{same}' "
            f"(stesso importo dell'anno prima), '{percent}' (scrivere in Valore la percentuale, "
            "es. 2,5 oppure -3). Un obiettivo senza regola resta fuori dal pluriennale.",
            False,
        ),
        (
            f"{S.COMPARISON}: il preconsuntivo {years.previous_year} per obiettivo e la "
            "motivazione della variazione; budget e variazione sono formule. 'Provenienza' dice "
            "da dove viene il dato (una proposta va sostituita con il preconsuntivo vero).",
            False,
        ),
        (
            f"{S.STAFF}, {S.HIRING}, {S.STRATEGIC}: dotazione organica (il totale è una formula), "
            "piano delle assunzioni, obiettivi strategici come nel documento.",
            False,
        ),
        (
            f"{S.KPIS}: ogni indicatore con il traguardo scomposto (operatore, valore, unità, "
            "scadenza AAAA-MM-GG) e il testo originale, che è quello stampato. La sezione è il "
            "titolo della tabella e inizia con 'OBIETTIVO n'.",
            False,
        ),
        (
            f"{S.CHECKS}: ogni identità del piano con il valore atteso e calcolato; 'NON TORNA' "
            "segnala ciò che va corretto prima di compilare. In alto il numero di identità che "
            "non tornano (0 = piano coerente).",
            False,
        ),
        ("Dopo le modifiche", True),
        (
            "Salvare e compilare: cscplan piano compila QUESTO_FILE.xlsx --out CARTELLA. Si "
            "ottengono le tabelle del documento (Excel), il PDF A4 per l'Assemblea e il testo "
            "nel formato del Piano Programma; le verifiche sono le stesse del documento "
            "originale. 'cscplan piano confronta A B' elenca cosa è cambiato tra due piani.",
            False,
        ),
        (
            "Le protezioni dei fogli non hanno password: si possono togliere (Revisione → "
            "Rimuovi protezione) per aggiungere righe, ricopiando le formule grigie.",
            False,
        ),
    ]
    return rows
