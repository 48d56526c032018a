"""cscplan: budget planning and analytics for Comunità Sociale Cremasca."""

__version__ = "0.1.0"


def cost(caseload, scenarios=None, year=None, **kwargs):
    """Cost a caseload (DataFrame or CSV path) under the baseline and optional scenarios.

    The costed period defaults to what the tariff schedule covers; pass ``year=`` or
    ``period=cscplan.periods.Period...`` to choose another inside it. Returns the
    ``costs_monthly`` table as a DataFrame. See :mod:`cscplan.scenarios.api`.
    """
    from cscplan.scenarios.api import cost as _cost

    return _cost(caseload, scenarios=scenarios, year=year, **kwargs)
