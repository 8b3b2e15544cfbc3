"""The appendix: which report section serves which item of three frameworks.

A mapping aid for the people who write the technical documentation, not legal advice.
References are to Regulation (EU) 2024/1689 (the AI Act) Annex IV and Article 12, the
NIST AI Risk Management Framework 1.0 (functions Govern, Map, Measure, Manage) and
ISO/IEC 42001:2023 Annex A (reference control objectives and controls).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["FRAMEWORKS", "appendix"]

FRAMEWORKS = (
    {
        "id": "eu_ai_act",
        "short_name": "EU AI Act",
        "name": "EU AI Act (Regulation (EU) 2024/1689), Annex IV and Art. 12",
    },
    {
        "id": "nist_ai_rmf",
        "short_name": "NIST AI RMF",
        "name": "NIST AI RMF 1.0 (Govern, Map, Measure, Manage)",
    },
    {"id": "iso_42001", "short_name": "ISO/IEC 42001", "name": "ISO/IEC 42001:2023 Annex A"},
)

# section id -> (section title, items it serves per framework)
_SECTIONS: tuple[tuple[str, str, Mapping[str, tuple[str, ...]]], ...] = (
    (
        "header",
        "Header (report id, chain head hash, scope)",
        {
            "eu_ai_act": ("Art. 12(1) automatic recording of events (logs)",),
            "nist_ai_rmf": ("GOVERN 1.4 transparent, documented risk management",),
            "iso_42001": ("A.6.2.8 AI system recording of event logs",),
        },
    ),
    (
        "summary",
        "Executive summary",
        {
            "eu_ai_act": ("Art. 12(2)(a) identifying situations that may present a risk",),
            "nist_ai_rmf": ("MANAGE 1.1 whether the system achieves its purpose",),
            "iso_42001": ("A.6.2.6 AI system operation and monitoring",),
        },
    ),
    (
        "runs",
        "Run inventory",
        {
            "eu_ai_act": (
                "Art. 12(1) logs over the system's lifetime",
                "Art. 12(3)(a) period of each use (start and end)",
                "Annex IV 2(a) methods and steps of development",
            ),
            "nist_ai_rmf": ("MEASURE 3.1 tracking of identified risks over time",),
            "iso_42001": ("A.6.2.8 recording of event logs", "A.6.2.3 design and development"),
        },
    ),
    (
        "lineage",
        "Data sources and lineage",
        {
            "eu_ai_act": (
                "Annex IV 2(d) training data: provenance, scope and main characteristics",
                "Art. 12(3)(b) reference data against which input was checked",
            ),
            "nist_ai_rmf": ("MAP 4.1 risks of components, including third-party data",),
            "iso_42001": ("A.7.5 data provenance", "A.7.3 acquisition of data"),
        },
    ),
    (
        "checks",
        "Checks performed per stage",
        {
            "eu_ai_act": (
                "Annex IV 2(d) data cleaning methodologies",
                "Annex IV 2(g) validation and testing procedures, test logs",
            ),
            "nist_ai_rmf": ("MEASURE 2.1 test sets, metrics and tools documented",),
            "iso_42001": (
                "A.7.4 quality of data for AI systems",
                "A.6.2.4 verification and validation",
            ),
        },
    ),
    (
        "quarantine",
        "Quarantine summary",
        {
            "eu_ai_act": ("Annex IV 2(d) data cleaning (outlier and error handling)",),
            "nist_ai_rmf": ("MANAGE 2.3 procedures to respond to unknown risks",),
            "iso_42001": ("A.7.6 data preparation",),
        },
    ),
    (
        "models",
        "Models trained",
        {
            "eu_ai_act": (
                "Annex IV 2(b) design specifications and key choices (hyperparameters)",
                "Annex IV 3 degrees of accuracy for specific groups (slices)",
            ),
            "nist_ai_rmf": (
                "MEASURE 2.3 performance demonstrated",
                "MEASURE 2.11 fairness and bias",
            ),
            "iso_42001": ("A.6.2.4 AI system verification and validation",),
        },
    ),
    (
        "policies",
        "Policy verdicts and waivers",
        {
            "eu_ai_act": ("Annex IV 5 risk management system (Art. 9) evidence",),
            "nist_ai_rmf": (
                "GOVERN 1.1-1.5 policies in place and applied",
                "MANAGE 1.3 risk responses",
            ),
            "iso_42001": ("A.2.2 AI policy", "A.6.1.3 processes for responsible design"),
        },
    ),
    (
        "changes",
        "Changes since the previous run",
        {
            "eu_ai_act": (
                "Annex IV 6 relevant changes through the lifecycle",
                "Art. 12(2)(a) substantial modification",
            ),
            "nist_ai_rmf": (
                "MEASURE 3.1 tracking of emergent risks",
                "MANAGE 4.1 post-deployment monitoring",
            ),
            "iso_42001": ("A.6.2.6 AI system operation and monitoring",),
        },
    ),
    (
        "reproducibility",
        "Reproducibility",
        {
            "eu_ai_act": (
                "Annex IV 1(c) versions of relevant software",
                "Annex IV 2(a) tools used",
            ),
            "nist_ai_rmf": ("MAP 2.3 scientific integrity and TEVV considerations",),
            "iso_42001": ("A.4.4 tooling resources", "A.6.2.7 technical documentation"),
        },
    ),
)

# items a record cannot fill: a person writes them (card fields can fill some)
_OPEN: tuple[tuple[str, str, str, str | None], ...] = (
    (
        "eu_ai_act",
        "Annex IV 1(a) intended purpose, provider and version",
        "the model card's intended_use",
        "intended_use",
    ),
    (
        "eu_ai_act",
        "Annex IV 2(e) human oversight measures (Art. 14)",
        "a description by the provider",
        None,
    ),
    ("eu_ai_act", "Annex IV 2(h) cybersecurity measures", "a description by the provider", None),
    (
        "eu_ai_act",
        "Annex IV 3 foreseeable unintended outcomes and sources of risk",
        "the model card's limitations and ethical_considerations",
        "limitations",
    ),
    (
        "eu_ai_act",
        "Annex IV 5 risk management system (Art. 9)",
        "the provider's risk management documentation",
        None,
    ),
    ("eu_ai_act", "Annex IV 7 harmonised standards applied", "a list by the provider", None),
    ("eu_ai_act", "Annex IV 8 EU declaration of conformity", "a copy of the declaration", None),
    ("eu_ai_act", "Annex IV 9 post-market monitoring plan (Art. 72)", "the provider's plan", None),
    (
        "eu_ai_act",
        "Art. 12(3)(d) natural persons who verified results",
        "sign-offs (govern approve) where they apply",
        "approvals",
    ),
    (
        "nist_ai_rmf",
        "GOVERN 2.1 roles, responsibilities and lines of communication",
        "the model card's owners",
        "owners",
    ),
    (
        "nist_ai_rmf",
        "MAP 1.1 intended purposes, context of use, users",
        "the model card's intended_use and users",
        "intended_use",
    ),
    ("nist_ai_rmf", "MAP 5.1 likelihood and magnitude of impacts", "an impact assessment", None),
    (
        "nist_ai_rmf",
        "MANAGE 4.3 incident response and recovery",
        "the team's incident process",
        None,
    ),
    ("iso_42001", "A.3.2 AI roles and responsibilities", "the model card's owners", "owners"),
    ("iso_42001", "A.5.2 AI system impact assessment process", "an impact assessment", None),
    (
        "iso_42001",
        "A.8.2 system documentation and information for users",
        "the model card's human fields",
        "description",
    ),
    (
        "iso_42001",
        "A.9.4 intended use of the AI system",
        "the model card's intended_use",
        "intended_use",
    ),
    ("iso_42001", "A.10.3 suppliers (third-party data and models)", "supplier documentation", None),
)


def appendix(filled: Mapping[str, bool]) -> dict[str, Any]:
    """The mapping table and the open items.

    Args:
        filled: which card-backed items the record holds (``intended_use``, ``owners``,
            ``limitations``, ``description``, ``approvals``); the rest stay open.
    """
    rows = [
        {
            "section": section,
            "title": title,
            **{fw["id"]: list(items.get(fw["id"], ())) for fw in FRAMEWORKS},
        }
        for section, title, items in _SECTIONS
    ]
    open_items = []
    covered = []
    short = {fw["id"]: fw["short_name"] for fw in FRAMEWORKS}
    for framework, item, source, field in _OPEN:
        # the id stays for tools; people read the framework's name
        entry = {
            "framework": framework,
            "framework_name": short.get(framework, framework),
            "item": item,
            "needs": source,
        }
        if field is not None and filled.get(field):
            covered.append(entry)
        else:
            open_items.append(entry)
    return {
        "frameworks": [dict(f) for f in FRAMEWORKS],
        "rows": rows,
        "open": open_items,
        "filled_from_cards": covered,
        "note": "A mapping aid for the technical documentation, not legal advice.",
    }
