"""Open Data Contract Standard (ODCS v3) contracts: as gates, linted, and exported.

`Contract` turns one schema object of a contract into a gate; `lint` reports every
problem of a contract with its file and line; `export_schema` writes a contract from a
pandera schema and `export_dataset` from what the record knows about a dataset.
"""

from govern.contracts.gate import Contract
from govern.contracts.lint import LintProblem, lint

__all__ = ["Contract", "LintProblem", "lint"]
