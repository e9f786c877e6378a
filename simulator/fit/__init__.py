"""From a CRM export to a scenario: read the opportunities, fit them, write the motion, and backtest it.

    from simulator.fit import read_export, fit_export
    export = read_export("opportunities.csv")
    fitted = fit_export(export, motion="smb", kind="smb")
    print(fitted.scenario_text())           # a scenario that passes `salesim validate`
"""
from simulator.fit.estimate import FitError
from simulator.fit.export import Export, ExportError, parse_columns, read_export
from simulator.fit.fitting import KINDS, Fitted, fit_export

__all__ = ["KINDS", "Export", "ExportError", "FitError", "Fitted", "fit_export", "parse_columns", "read_export"]
