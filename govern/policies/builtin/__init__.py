"""The built-in rule library (importing this package registers every condition).

| condition | judges | what passes |
| --- | --- | --- |
| ``stage_gates`` | stage | the stage declared input and output gates |
| ``no_failed_error_checks`` | pipeline | no error-severity check failed in the run |
| ``quarantine_rate`` | dataset | quarantined rows / rows seen stays under ``max_rate`` |
| ``pii_checks`` | dataset | the named checks ran on the dataset and passed |
| ``pii_flow`` | dataset | nothing downstream (by lineage) lacks the ``pii`` tag |
| ``training_data_gates`` | model | its training data passed every gate in the training run |
| ``model_metrics`` | model | metrics meet thresholds overall and per slice; slice gaps bounded |
| ``model_card`` | model | the card has the required fields |
| ``lineage_complete`` | model | every input upstream of it is named (no anonymous data) |
| ``signoff`` | model | ``govern approve NAME@VERSION`` recorded a sign-off for it |
| ``freshness`` | pipeline | its latest completed run is younger than ``max_age`` |
| ``contract_sla`` | dataset | versions meet its ODCS contract's freshness and frequency |
| ``no_anomalies`` | dataset | its ``govern.Stable`` checks found no anomaly in the run |
"""

from govern.policies.builtin import contracts, data, freshness, gates, models, monitoring, pii

__all__ = ["contracts", "data", "freshness", "gates", "models", "monitoring", "pii"]
