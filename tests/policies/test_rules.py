"""Each built-in rule: pass, fail, waived, and an expired waiver -- on real governed runs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from govern.policies import Evaluation, VerdictStatus
from govern.store import open_store
from tests.policies import pipelines as p
from tests.policies.conftest import future, pack, past, run_eval, statuses, waiver


def _verdict(evaluation: Evaluation, target: str) -> tuple[str, str]:
    found = [v for v in evaluation.verdicts if v.target == target]
    assert len(found) == 1, (target, statuses(evaluation))
    return str(found[0].status), found[0].message


def assert_waivers(rule: str, rule_id: str, target: str, **kwargs: object) -> str:
    """On a store where ``rule`` fails for ``target``: fail, waived, expired waiver."""
    failing = run_eval(pack(rule), **kwargs)
    status, message = _verdict(failing, target)
    assert status == "fail", message
    assert not failing.passed
    waived = run_eval(pack(rule, waivers=waiver(rule_id, target, future())), **kwargs)
    status, _ = _verdict(waived, target)
    assert status == "waived"
    assert waived.passed and not waived.expired_waivers
    (w,) = [v.waiver for v in waived.verdicts if v.target == target]
    assert w is not None and w.approver == "dana@example.org"
    expired = run_eval(pack(rule, waivers=waiver(rule_id, target, past())), **kwargs)
    status, _ = _verdict(expired, target)
    assert status == "fail"  # an expired waiver no longer applies ...
    assert not expired.passed
    (gone,) = expired.expired_waivers  # ... and is itself reported
    assert gone.waiver.rule == rule_id and gone.waiver.expires == past()
    return message


def test_stage_gates() -> None:
    rule = "- {id: gates, description: stages are gated, condition: stage_gates}"
    p.run_orders(pipeline="gated")
    evaluation = run_eval(pack(rule))
    assert statuses(evaluation) == {"stage:gated.clean": "pass"}
    p.run_ungated("ungated")
    message = assert_waivers(rule, "gates", "stage:ungated.clean_ungated_input")
    assert "declares no input gates" in message
    # asking only for output gates, the same stage passes
    relaxed = "- {id: gates, description: d, condition: stage_gates, with: {inputs: false}}"
    assert _verdict(run_eval(pack(relaxed)), "stage:ungated.clean_ungated_input")[0] == "pass"


def test_no_failed_error_checks() -> None:
    rule = "- {id: clean-run, description: no failed checks, condition: no_failed_error_checks}"
    p.run_warn(bad=0)
    assert _verdict(run_eval(pack(rule)), "pipeline:warned")[0] == "pass"
    p.run_warn(bad=2)  # the latest run of the pipeline is judged
    message = assert_waivers(rule, "clean-run", "pipeline:warned")
    assert "1 error-severity check(s) failed" in message
    assert "column 'amount'" in message and "2 failing rows" in message


def test_no_failed_error_checks_may_allow_quarantined_rows() -> None:
    p.run_orders(bad=2)
    strict = "- {id: r, description: d, condition: no_failed_error_checks}"
    assert _verdict(run_eval(pack(strict)), "pipeline:orders")[0] == "fail"
    lenient = (
        "- {id: r, description: d, condition: no_failed_error_checks, "
        "with: {allow_quarantined: true}}"
    )
    assert _verdict(run_eval(pack(lenient)), "pipeline:orders")[0] == "pass"


def test_quarantine_rate() -> None:
    rule = """
    - id: quarantine
      description: at most 10% quarantined
      condition: quarantine_rate
      scope: {datasets: {names: ["*orders.csv"]}}
      with: {max_rate: 0.1}
    """
    target = "dataset:file:/data/orders.csv"  # the input gate quarantines the source
    p.run_orders(bad=2)  # 2 of 20
    status, message = _verdict(run_eval(pack(rule)), target)
    assert status == "pass" and "2 of 20 row(s)" in message and "(10.0%)" in message
    p.run_orders(bad=5)  # 5 of 20
    message = assert_waivers(rule, "quarantine", target)
    assert message == (
        "too many rows quarantined: 5 of 20 row(s) quarantined by stage 'clean' (25.0%); "
        "at most 10.0% allowed"
    )


def test_pii_checks() -> None:
    rule = """
    - id: masked
      description: PII is masked
      condition: pii_checks
      scope: {datasets: {tags: [pii]}}
      with: {checks: ["email:str_matches*"]}
    """
    tags = 'tags: {datasets: {"*customers.csv": [pii]}}'
    target = "dataset:file:/data/customers.csv"
    p.run_customers(masked=True)
    evaluation = run_eval(pack(rule, extra=tags))
    assert statuses(evaluation) == {target: "pass"}  # only the tagged dataset is in scope
    p.run_customers(masked=False)
    failing = run_eval(pack(rule, extra=tags))
    status, message = _verdict(failing, target)
    assert status == "fail" and "failed (2 failing row(s))" in message
    # the waiver cycle, with the tags in the pack
    waived = run_eval(pack(rule, extra=tags, waivers=waiver("masked", target, future())))
    assert _verdict(waived, target)[0] == "waived" and waived.passed
    expired = run_eval(pack(rule, extra=tags, waivers=waiver("masked", target, past())))
    assert _verdict(expired, target)[0] == "fail" and len(expired.expired_waivers) == 1
    # a named check that never ran fails too
    missing = rule.replace("email:str_matches*", "hash_check")
    status, message = _verdict(run_eval(pack(missing, extra=tags)), target)
    assert status == "fail" and "check 'hash_check' never ran" in message


def test_training_data_gates() -> None:
    rule = "- {id: training, description: d, condition: training_data_gates}"
    p.run_orders(train=True)
    status, message = _verdict(run_eval(pack(rule)), "model:churn@1")
    assert status == "pass" and "passed all" in message
    p.run_orders(bad=3, train=True, warn_gate_train=True)  # warn gate: trains on bad data
    message = assert_waivers(rule, "training", "model:churn@2")
    assert "training data (/data/orders.csv) failed 1 check(s)" in message
    # a model-wide waiver (no version) covers every version
    whole = run_eval(pack(rule, waivers=waiver("training", "model:churn", future())))
    assert _verdict(whole, "model:churn@2")[0] == "waived"
    # only error-severity failures, when asked
    errors_only = "- {id: training, description: d, condition: training_data_gates, " + (
        "with: {include_warn: false}}"
    )
    assert _verdict(run_eval(pack(errors_only)), "model:churn@2")[0] == "pass"


def test_model_metrics() -> None:
    rule = """
    - id: metrics
      description: accuracy bounds
      condition: model_metrics
      with:
        min: {accuracy: 0.9}
        max_slice_gap: {accuracy: 0.1}
    """
    p.run_orders(train=True, accuracy=0.95)
    assert _verdict(run_eval(pack(rule)), "model:churn@1")[0] == "pass"
    p.run_orders(
        train=True,
        accuracy=0.93,
        slices={"region=a": {"accuracy": 0.7}, "region=b": {"accuracy": 0.98}},
    )
    message = assert_waivers(rule, "metrics", "model:churn@2")
    assert "slice region=a: accuracy = 0.7 < 0.9" in message
    assert "gap between slices region=b (0.98) and region=a (0.7) is 0.28 > 0.1" in message
    below = rule.replace("0.9}", "0.95}")
    status, message = _verdict(run_eval(pack(below)), "model:churn@2")
    assert status == "fail" and "accuracy = 0.93 < 0.95" in message


def test_model_card() -> None:
    rule = "- {id: card, description: d, condition: model_card}"
    p.run_orders(train=True)
    assert _verdict(run_eval(pack(rule)), "model:churn@1")[0] == "pass"
    partial = {k: v for k, v in p.FULL_CARD.items() if k != "limitations"}
    p.run_orders(train=True, card={**partial, "owners": []})
    message = assert_waivers(rule, "card", "model:churn@2")
    assert "the model card lacks owners, limitations" in message


def test_lineage_complete() -> None:
    rule = "- {id: lineage, description: d, condition: lineage_complete}"
    p.run_orders(train=True)
    status, message = _verdict(run_eval(pack(rule)), "model:churn@1")
    assert status == "pass" and "back to 1 source(s): file:/data/orders.csv" in message
    p.run_orders(train=True, declared=False)  # the raw frame was never declared
    message = assert_waivers(rule, "lineage", "model:churn@2")
    assert "stage 'clean' read anonymous data ('raw', named 'clean.raw')" in message
    allowed = "- {id: lineage, description: d, condition: lineage_complete, " + (
        'with: {allow: ["clean.raw"]}}'
    )
    status, message = _verdict(run_eval(pack(allowed)), "model:churn@2")
    assert status == "fail" and "reaches no declared source" in message


def test_signoff_of_production_models() -> None:
    rule = """
    - id: signoff
      description: production models are signed off
      condition: signoff
      scope: {models: {stages: [production]}}
    """
    promoted = 'model_stages: {"churn@1": production}'
    p.run_orders(train=True)
    p.run_orders(train=True, pipeline="other", model="other-model")
    failing = run_eval(pack(rule, extra=promoted))
    assert statuses(failing) == {"model:churn@1": "fail"}  # only the promoted version
    assert "run `govern approve churn@1 --by EMAIL`" in failing.verdicts[0].message
    waived = run_eval(
        pack(rule, extra=promoted, waivers=waiver("signoff", "model:churn@1", future()))
    )
    assert waived.passed
    expired = run_eval(
        pack(rule, extra=promoted, waivers=waiver("signoff", "model:churn@1", past()))
    )
    assert not expired.passed and len(expired.expired_waivers) == 1
    from govern.policies import approve

    with open_store(create=False) as store:
        approve(store, "churn", 1, by="ana@example.org", note="reviewed")
    status, message = _verdict(run_eval(pack(rule, extra=promoted)), "model:churn@1")
    assert status == "pass" and "signed off by ana@example.org" in message
    # the card's tags select models too
    by_tag = rule.replace("stages: [production]", "tags: [customer-facing]")
    p.run_orders(train=True, card={**p.FULL_CARD, "tags": ["customer-facing"]})
    status, message = _verdict(run_eval(pack(by_tag)), "model:churn@2")
    assert status == "fail" and "signed-off versions: churn@1" in message


def test_freshness() -> None:
    rule = "- {id: fresh, description: d, condition: freshness, with: {max_age: 1d}}"
    p.run_orders()
    status, message = _verdict(run_eval(pack(rule)), "pipeline:orders")
    assert status == "pass" and "finished" in message and "at most 1d 0h allowed" in message
    later = datetime.now(UTC) + timedelta(days=2)
    message = assert_waivers(rule, "fresh", "pipeline:orders", now=later)
    assert message.startswith("stale: latest completed run") and "at most 1d 0h" in message


def test_freshness_of_a_pipeline_that_never_completed() -> None:
    rule = """
    - id: fresh
      description: d
      condition: freshness
      scope: {pipelines: [orders, nightly]}
      with: {max_age: 7d}
    """
    p.run_orders()
    evaluation = run_eval(pack(rule))
    assert statuses(evaluation) == {"pipeline:orders": "pass", "pipeline:nightly": "fail"}
    (never,) = [v for v in evaluation.verdicts if v.target == "pipeline:nightly"]
    assert never.message == "pipeline 'nightly' has no completed run recorded"
    assert never.run_id is None


def test_a_rule_that_raises_is_an_error_verdict() -> None:
    from govern.policies import rule as register_rule

    @register_rule("test_exploding", target="pipeline")
    def exploding(target: object, ctx: object, params: object) -> None:
        raise RuntimeError("boom")

    p.run_orders()
    evaluation = run_eval(pack("- {id: x, description: d, condition: test_exploding}"))
    (verdict,) = evaluation.verdicts
    assert verdict.status is VerdictStatus.ERROR
    assert (
        verdict.message == "condition 'test_exploding' could not be evaluated: RuntimeError: boom"
    )
    assert not evaluation.passed


def test_pii_flow_follows_lineage_downstream() -> None:
    rule = """
    - id: containment
      description: PII stays in PII outputs
      condition: pii_flow
      scope: {datasets: {tags: [pii]}}
    """
    only_source = 'tags: {datasets: {"file:/data/customers.csv": [pii]}}'
    everything = 'tags: {datasets: {"*customers*": [pii]}}'
    target = "dataset:file:/data/customers.csv"
    p.run_customers(report=True)
    status, message = _verdict(run_eval(pack(rule, extra=everything)), target)
    assert status == "pass" and "reaches 2 downstream output(s), all tagged pii" in message
    failing = run_eval(pack(rule, extra=only_source))
    status, message = _verdict(failing, target)
    assert status == "fail"
    assert "flows into output(s) not tagged pii: " in message
    assert "dataset:testproject:customers.load_customers.return" in message
    assert "dataset:testproject:customers.customer_report.return" in message
    waived = run_eval(
        pack(rule, extra=only_source, waivers=waiver("containment", target, future()))
    )
    assert _verdict(waived, target)[0] == "waived" and waived.passed
    expired = run_eval(pack(rule, extra=only_source, waivers=waiver("containment", target, past())))
    assert _verdict(expired, target)[0] == "fail" and len(expired.expired_waivers) == 1
    # an aggregate explicitly allowed to receive it (tagged "anonymised") is fine
    allowed = rule.replace(
        "tags: [pii]}}", "tags: [pii]}}\n      with: {allowed_tags: [pii, anonymised]}"
    )
    tagged = (
        'tags: {datasets: {"file:/data/customers.csv": [pii], '
        '"*load_customers.return": [pii], "*customer_report.return": [anonymised]}}'
    )
    assert _verdict(run_eval(pack(allowed, extra=tagged)), target)[0] == "pass"
