"""The worked example in the README, to the cent."""

from __future__ import annotations

import pandas as pd

import cscplan


def test_readme_worked_example():
    plans = pd.DataFrame(
        [
            dict(beneficiary_id="B1", comune="Crema", item="SAAP_D1", start="2023-01-16",
                 end="2023-02-28", qty_per_week=10),
            dict(beneficiary_id="B2", comune="Offanengo", item="AFFIDO_FULL", start="2023-03-10",
                 end="2023-04-30", qty_per_week=None),
        ]
    )  # fmt: skip
    costs = cscplan.cost(plans).set_index(["beneficiary_id", "month"])
    saap_jan = costs.loc[("B1", "2023-01")]
    assert round(16 * 10 / 7 * 18.87, 2) == saap_jan["net_eur"] == 431.31
    assert (saap_jan["vat_eur"], saap_jan["gross_eur"]) == (21.57, 452.88)
    assert costs.loc[("B1", "2023-02"), "gross_eur"] == round(40 * 20.20 * 1.05, 2) == 848.40
    march = costs.loc[("B2", "2023-03")]
    assert march["gross_eur"] == round(400 * 22 / 31, 2) == 283.87
    assert (march["district_eur"], march["comune_eur"]) == (141.94, 141.93)
    april = costs.loc[("B2", "2023-04")]
    assert (april["gross_eur"], april["district_eur"], april["comune_eur"]) == (400, 200, 200)
