"""A period audit report over 1,000 recorded runs (target: <= 2 s, <= 300 MB, <= 1 MB HTML).

Fills a throwaway SQLite store through the store API with 1,000 runs of a 4-stage pipeline
(clean, features, split, train -- each stage with 12 checks, one failing with a sample,
two or three dataset versions with schemas, a model version from every train stage), then
renders the HTML audit report of the whole pipeline (``--pipeline bench``) in a fresh
process, measuring wall time and peak resident memory. Printed beside it, in the same
process: the bare Jinja2 render of the same context (a plain, non-sandboxed
``jinja2.Environment`` over the same template files and filters) and the ratio.

Also printed: the time of the integrity check alone (``Store.verify`` over the whole
chain, which every report states) and the Markdown report's size.

    python bench/bench_reports.py [--runs 1000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from govern.ids import uuid7
from govern.store import open_store
from govern.types import (
    CheckResult,
    DatasetKind,
    DatasetRef,
    DatasetVersion,
    FailureCase,
    ModelVersion,
    OnFail,
    RunInfo,
    RunStatus,
    Severity,
    StageResult,
    Status,
)

COLUMNS = tuple((f"col_{i}", "float64") for i in range(8))
STAGES = ("clean", "features", "split", "train")
MEASURE = r"""
import json, resource, sys, tempfile, time
t0 = time.perf_counter()
from govern import reports
from govern.store import open_store
store = open_store(sys.argv[1], create=False)
t1, c1 = time.perf_counter(), time.process_time()
out = reports.audit(store, pipeline="bench", format="html")
t2, c2 = time.perf_counter(), time.process_time()
md = reports.audit(store, pipeline="bench", format="md")
tv = time.perf_counter()
store.verify()
verify_s = time.perf_counter() - tv

# the bare Jinja2 render of the same context: same template files and filters
import jinja2
from govern.reports import templating
shipped = templating.environment("html", None)
bare = jinja2.Environment(loader=shipped.loader, autoescape=True,
                          undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                          keep_trailing_newline=True)
bare.filters.update(shipped.filters); bare.globals.update(shipped.globals)
context = dict(out.context)
template = bare.get_template("audit.html.j2")
template.render({**context, "ctx": context})          # compile once, as govern's were
user_dir = tempfile.mkdtemp()                          # a (empty) user templates dir: sandboxed
templating.render_template("html", "audit.html.j2", context, user_dir)
t3 = time.perf_counter()
text = template.render({**context, "ctx": context})
t4 = time.perf_counter()
shipped_text = templating.render_template("html", "audit.html.j2", context, None)
t5 = time.perf_counter()
sandboxed_text = templating.render_template("html", "audit.html.j2", context, user_dir)
t6 = time.perf_counter()
assert text == shipped_text == sandboxed_text == out.text
peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"govern_s": t2 - t1, "govern_cpu_s": c2 - c1, "bare_render_s": t4 - t3,
                  "shipped_render_s": t5 - t4, "sandboxed_render_s": t6 - t5,
                  "peak_mb": peak_kb / 1024, "html_mb": len(out.text.encode()) / 1e6,
                  "md_mb": len(md.text.encode()) / 1e6, "verify_s": verify_s,
                  "stages": out.context["summary"]["stages"]}))
"""


def _dataset(name: str, role: str, parameter: str, rows: int, run: int) -> DatasetVersion:
    return DatasetVersion(
        ref=DatasetRef("bench", f"bench.{name}", DatasetKind.STAGE_OUTPUT),
        role=role,
        parameter=parameter,
        fingerprint=f"xxh3-128:{run:032x}",
        row_count=rows,
        schema=COLUMNS,
        metrics={"rowCount": rows, "columnMetrics": {c: {"nullCount": 0} for c, _ in COLUMNS}},
    )


def _checks(dataset: str) -> tuple[CheckResult, ...]:
    checks = [
        CheckResult(dataset, "not_nullable", column, Severity.ERROR, True, 0, checked_count=344)
        for column, _ in COLUMNS[:11]
    ]
    checks += [
        CheckResult(dataset, "greater_than(0)", "col_0", Severity.WARN, True, 0),
        CheckResult(dataset, "in_range(0, 10)", "col_1", Severity.WARN, True, 0),
        CheckResult(
            dataset,
            "less_than(100)",
            "col_2",
            Severity.WARN,
            False,
            3,
            sample=(FailureCase("7", "101.5"), FailureCase("9", "130.0")),
            checked_count=344,
        ),
    ]
    return tuple(checks[:12])


def fill(path: Path, runs: int) -> int:
    store = open_store(str(path), signing_key="")
    start = datetime(2026, 1, 1, tzinfo=UTC)
    written = 0
    for r in range(runs):
        run_id = uuid7()
        began = start + timedelta(hours=r)
        store.begin_run(
            RunInfo(
                run_id,
                "bench",
                "bench",
                RunStatus.RUNNING,
                began,
                pid=None,
                host="bench",
                environment={"python": {"version": "3.11"}, "packages": {"pandas": "3"}},
            )
        )
        previous = "source"
        for s, stage in enumerate(STAGES):
            t = began + timedelta(seconds=s)
            inputs = [_dataset(previous, "input", "df", 344 - r % 7, r)]
            outputs = [_dataset(stage, "output", "return", 340 - r % 5, r)]
            model = None
            if stage == "train":
                model = ModelVersion(
                    "bench-model",
                    0,
                    "sklearn",
                    "sklearn.linear_model.LogisticRegression",
                    {"C": 1.0},
                    f"sha256:{r:064x}",
                    COLUMNS,
                    tuple(inputs),
                    {"accuracy": 0.9 + (r % 10) / 100},
                    {"sex=female": {"accuracy": 0.9}, "sex=male": {"accuracy": 0.95}},
                    {"license": "mit"},
                    run_id,
                    "",
                    t,
                )
            stage_run_id = uuid7()
            if model is not None:
                from dataclasses import replace

                model = replace(model, stage_run_id=stage_run_id)
            store.record_stage(
                StageResult(
                    stage,
                    run_id,
                    stage_run_id,
                    Status.WARNED,
                    OnFail.RAISE,
                    t,
                    t + timedelta(milliseconds=250),
                    checks=_checks(outputs[0].ref.name),
                    datasets=(*inputs, *outputs),
                    timings={"call": 0.1, "input_gates": 0.05, "output_gates": 0.05},
                    row_counts={"input:df": 344, "output:return": 340},
                    metrics={"loss": 0.1} if stage == "train" else {},
                    model=model,
                    doc=f"The {stage} stage.",
                )
            )
            written += 1
            previous = stage
        store.end_run(run_id, RunStatus.COMPLETED, began + timedelta(seconds=10))
    store.close()
    return written


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "govern.db"
        started = time.perf_counter()
        stages = fill(path, args.runs)
        print(f"filled {stages} stage runs in {time.perf_counter() - started:.1f} s")
        env = {k: v for k, v in os.environ.items() if not k.startswith("GOVERN_")}
        results = []
        for _ in range(args.repeat):
            done = subprocess.run(
                [sys.executable, "-c", MEASURE, str(path)],
                capture_output=True,
                text=True,
                check=True,
                env=env,
                cwd=tmp,
            )
            results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    med = {k: statistics.median(r[k] for r in results) for k in results[0]}
    ok_time = med["govern_s"] <= 2.0
    ok_mem = max(r["peak_mb"] for r in results) <= 300
    ok_size = med["html_mb"] <= 1.0
    print(
        f"period audit report, {args.runs} runs, {int(med['stages'])} stage runs "
        f"(median of {args.repeat} fresh processes)"
    )
    print(
        f"  HTML {med['html_mb']:.2f} MB [target <= 1 MB: {'ok' if ok_size else 'MISSED'}], "
        f"Markdown {med['md_mb']:.2f} MB"
    )
    print(
        f"  govern.reports.audit (read store + build context + render): {med['govern_s']:.3f} s "
        f"[target <= 2 s: {'ok' if ok_time else 'MISSED'}]"
    )
    print(
        f"  peak RSS of the process: {max(r['peak_mb'] for r in results):.0f} MB "
        f"[target <= 300 MB: {'ok' if ok_mem else 'MISSED'}]"
    )
    print(f"  of which CPU time: {med['govern_cpu_s']:.3f} s")
    print(f"  integrity check alone (Store.verify, whole chain): {med['verify_s']:.3f} s")
    bare = med["bare_render_s"]
    print(f"  render only, bare jinja2.Environment:             {bare:.3f} s")
    print(
        f"  render only, govern (shipped templates):          {med['shipped_render_s']:.3f} s "
        f"({med['shipped_render_s'] / bare:.2f}x bare)"
    )
    print(
        f"  render only, govern sandboxed (--templates DIR):  {med['sandboxed_render_s']:.3f} s "
        f"({med['sandboxed_render_s'] / bare:.2f}x bare)"
    )
    print(f"  whole report / bare render: {med['govern_s'] / bare:.2f}x")
    return 0 if ok_time and ok_mem and ok_size else 1


if __name__ == "__main__":
    sys.exit(main())
