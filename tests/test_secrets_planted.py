"""Planted markers: secrets and PII put everywhere a pipeline can carry them reach nothing.

A real pipeline runs in a subprocess with secrets on its command line (14 forms), in its
environment, in dataset URIs, in exception messages, in ``log_params`` values and in
hyperparameters, and with PII in a configured ``pii_columns`` column (as a column and as
the frame's index). Then everything made from the record is searched for the markers:
a raw dump of every table of the store, the delivered and the exported OpenLineage
events, the pipeline's logs and stderr, every CLI listing, and every report format (audit
HTML/Markdown/JSON/PDF, model card Markdown/JSON/HTML/PDF). Quarantine files hold
rejected rows by design (docs/store.md, "Secrets and PII") and are not searched.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.slow  # one pipeline and 18 CLI commands in subprocesses (~1 min)

SECRETS = {
    # the command line
    "argv_password_eq": "PLNTa01pw",
    "argv_token_space": "PLNTa02tk",
    "argv_dsn_url": "PLNTa03dsn",
    "argv_env_assign": "PLNTa04env",
    "argv_api_key": "PLNTa05key",
    "argv_libpq_dsn": "PLNTa06pq",
    "argv_sas": "PLNTa07sig",
    "argv_bearer": "PLNTa08bearer",
    "argv_docker_env": "PLNTa09aws",
    "argv_url_userinfo": "PLNTa10ui",
    "argv_github_token": "ghp_PLNTa11" + "x" * 29,
    "argv_secret_opt": "PLNTa12sec",
    "argv_key_value": "PLNTa13kv",
    "argv_at_in_password": "PLNTa14at",
    # the environment
    "env_signing_key": "PLNTe01signing",
    "env_ci_url": "PLNTe02ci",
    "env_db_password": "PLNTe03db",
    "env_aws": "PLNTe04aws",
    # dataset URIs
    "uri_namespace_userinfo": "PLNTu01ns",
    "uri_sas_sig": "PLNTu02sas",
    "uri_token_query": "PLNTu03tok",
    "uri_name_userinfo": "PLNTu04ui",
    # exception messages
    "exc_dsn": "PLNTx01dsn",
    "exc_password": "PLNTx02pw",
    "exc_dict_repr": "PLNTx03dict",
    "exc_bearer": "PLNTx04bearer",
    # log_params
    "param_api_key": "PLNTp01api",
    "param_password": "PLNTp02pw",
    "param_url": "PLNTp03url",
    "param_connection_string": "PLNTp04conn",
    "param_private_key": "PLNTp05priv",
    "param_token": "PLNTp06tok",
    # hyperparameters
    "hyper_api_key": "PLNTh01api",
    "hyper_endpoint": "PLNTh02ep",
    "hyper_kw_args": "PLNTh03kw",
    # failure samples of a column with a secret-looking name
    "sample_secret_column": "PLNTs01tok",
}
PII_COLUMN = "pii.column.PLNTc01@evil.test"
PII_INDEX = "pii.index.PLNTi01@evil.test"

S = SECRETS
ARGV = [
    f"--password={S['argv_password_eq']}",
    "--token",
    S["argv_token_space"],
    "--db-url",
    f"postgresql://etl:{S['argv_dsn_url']}@warehouse:5432/dw",
    f"DB_PASSWORD={S['argv_env_assign']}",
    "--api-key",
    S["argv_api_key"],
    "--conn",
    f"host=db user=etl password={S['argv_libpq_dsn']} dbname=dw",
    f"--source=https://acct.blob.core.windows.net/c/x.csv?sv=2022-11-02&sig={S['argv_sas']}",
    "--header",
    f"Authorization: Bearer {S['argv_bearer']}",
    "-e",
    f"AWS_SECRET_ACCESS_KEY={S['argv_docker_env']}",
    f"https://{S['argv_url_userinfo']}@github.com/org/repo.git",
    S["argv_github_token"],
    "--client-secret",
    S["argv_secret_opt"],
    f"api_key={S['argv_key_value']}",
    f"mysql://root:p@{S['argv_at_in_password']}@127.0.0.1/x",
    "--rows",
    "3",
]

PIPELINE = textwrap.dedent(
    """
    import logging
    import sys

    import numpy as np
    import pandas as pd
    import pandera.pandas as pa
    from sklearn.base import BaseEstimator, TransformerMixin
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    import govern

    S = {secrets!r}
    logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)


    class Client(BaseEstimator, TransformerMixin):
        def __init__(self, api_key=None, endpoint=None):
            self.api_key = api_key
            self.endpoint = endpoint

        def fit(self, X, y=None):
            return self

        def transform(self, X):
            return X


    def scale(X, token=None):
        return X


    People = pa.DataFrameSchema(
        {{
            "email": pa.Column(str, pa.Check.str_matches(r"^[a-z]+@example\\\\.org$")),
            "api_token": pa.Column(str, pa.Check.str_length(max_value=5)),
            "x": pa.Column(float),
            "y": pa.Column(int),
        }}
    )
    Indexed = pa.DataFrameSchema(
        {{"x": pa.Column(float, pa.Check.ge(0)), "y": pa.Column(int)}},
    )


    @govern.stage(inputs={{"df": People}}, on_fail="warn")
    def screen(df):
        return df


    @govern.stage(inputs={{"df": Indexed}}, on_fail="warn")
    def screen_indexed(df):
        return df


    @govern.stage(outputs=govern.model("clf", card={{"owners": ["ana"]}}))
    def train(orders, files, df):
        govern.log_params(
            api_key=S["param_api_key"],
            password=S["param_password"],
            db_url="postgresql://u:" + S["param_url"] + "@h/db",
            connection_string="Server=x;Database=d;Password=" + S["param_connection_string"],
            private_key=S["param_private_key"],
            token=S["param_token"],
            batch=7,
        )
        model = make_pipeline(
            Client(api_key=S["hyper_api_key"], endpoint="https://u:" + S["hyper_endpoint"] + "@h"),
            FunctionTransformer(scale, kw_args={{"token": S["hyper_kw_args"]}}),
            LogisticRegression(C=0.5),
        )
        return model.fit(df[["x"]], df["y"])


    @govern.stage()
    def connect(df):
        raise ConnectionError(
            "cannot reach postgresql://admin:" + S["exc_dsn"] + "@db.internal/shop"
            + " (password=" + S["exc_password"] + ", config "
            + repr({{"api_key": S["exc_dict_repr"]}})
            + ", header Authorization: Bearer " + S["exc_bearer"] + ")"
        )


    orders = govern.source(
        pd.DataFrame({{"id": [1]}}),
        "shop.public.orders",
        namespace="postgres://admin:" + S["uri_namespace_userinfo"] + "@db.internal:5432",
    )
    files = govern.source(
        pd.DataFrame({{"id": [1]}}),
        "c/x.csv?sv=2022-11-02&sig=" + S["uri_sas_sig"],
        namespace="https://acct.blob.core.windows.net",
    )
    api = govern.source(
        pd.DataFrame({{"id": [1]}}),
        "https://api.example.com/v1/data.csv?token=" + S["uri_token_query"],
        namespace="https://u:" + S["uri_name_userinfo"] + "@api.example.com",
    )
    people = pd.DataFrame(
        {{
            "email": ["ann@example.org", {pii_column!r}],
            "api_token": ["ok", S["sample_secret_column"]],
            "x": [0.1, 0.9],
            "y": [0, 1],
        }}
    )
    indexed = pd.DataFrame(
        {{"x": [0.5, -1.0], "y": [0, 1]}},
        index=pd.Index(["ann@example.org", {pii_index!r}], name="email"),
    )
    with govern.run("planted"):
        screen(people)
        screen_indexed(indexed)
        train(orders, files, pd.DataFrame({{"x": [0.1, 0.2, 0.8, 0.9], "y": [0, 0, 1, 1]}}))
        try:
            connect(api)
        except ConnectionError:
            pass
    print("pipeline done")
    """
)


def _env(project: Path, events: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GOVERN_", "OPENLINEAGE", "GITHUB_", "CI"))
    }
    env.update(
        {
            "PYTHONPATH": str(REPO_ROOT),
            "GOVERN_STORE": str(project / ".govern" / "govern.db"),
            "GOVERN_PII_COLUMNS": "email",
            "GOVERN_SIGNING_KEY": S["env_signing_key"],
            "DB_PASSWORD": S["env_db_password"],
            "AWS_SECRET_ACCESS_KEY": S["env_aws"],
            "GITHUB_ACTIONS": "true",
            "GITHUB_SERVER_URL": f"https://x-access-token:{S['env_ci_url']}@github.com",
            "GITHUB_REPOSITORY": "org/repo",
            "GITHUB_RUN_ID": "42",
            "GITHUB_JOB": "train",
            # the OpenLineage client would copy these variables into an event facet
            "OPENLINEAGE__FACETS__ENVIRONMENT_VARIABLES": '["DB_PASSWORD"]',
            "OPENLINEAGE__TRANSPORT__TYPE": "file",
            "OPENLINEAGE__TRANSPORT__LOG_FILE_PATH": str(events),
            "OPENLINEAGE__TRANSPORT__APPEND": "true",
            "COLUMNS": "200",
        }
    )
    return env


def _run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=240, check=False
    )


def _store_dump(path: Path) -> str:
    """Every row of every table, as text (bodies are stored as JSON text)."""
    parts: list[str] = []
    with sqlite3.connect(path) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        assert tables
        for table in tables:
            for row in db.execute(f'SELECT * FROM "{table}"'):
                parts.append(repr(row))
    return "\n".join(parts)


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Run the pipeline once; every output made from its record, by name."""
    project = tmp_path_factory.mktemp("planted")
    (project / "pyproject.toml").write_text('[project]\nname = "planted"\n')
    events = project / "events.jsonl"
    env = _env(project, events)
    script = project / "pipeline.py"
    script.write_text(PIPELINE.format(secrets=SECRETS, pii_column=PII_COLUMN, pii_index=PII_INDEX))
    done = _run([sys.executable, str(script), *ARGV], env, project)
    assert done.returncode == 0, done.stderr[-3000:]
    found: dict[str, str] = {"pipeline stdout+stderr": done.stdout + done.stderr}

    govern = [sys.executable, "-m", "govern"]
    reports = project / "reports"
    reports.mkdir()
    commands = {
        "runs": ["runs"],
        "runs show": ["runs", "show", "latest"],
        "models": ["models"],
        "models show": ["models", "show", "clf"],
        "verify": ["verify"],
        "lineage export": ["lineage", "export", "-o", str(reports / "events.jsonl")],
        "period report": ["report", "audit", "--pipeline", "planted", "-o", str(reports / "p.md")],
    }
    for fmt in ("html", "md", "json", "pdf"):
        out = reports / f"audit.{fmt}"
        commands[f"audit {fmt}"] = ["report", "audit", "-f", fmt, "-o", str(out)]
        commands[f"audit model {fmt}"] = [
            "report", "audit", "--model", "clf@1", "-f", fmt, "-o", str(reports / f"m.{fmt}"),
        ]  # fmt: skip
        commands[f"card {fmt}"] = [
            "report", "model-card", "clf@1", "-f", fmt, "-o", str(reports / f"card.{fmt}"),
        ]  # fmt: skip
    for name, args in commands.items():
        done = _run([*govern, *args], env, project)
        assert done.returncode in (0, 1), (name, done.stderr[-2000:])
        found[f"govern {name}: stdout+stderr"] = done.stdout + done.stderr
    for path in sorted(reports.iterdir()):
        if path.suffix == ".pdf":
            if shutil.which("pdftotext") is None:
                continue
            text = subprocess.run(
                ["pdftotext", str(path), "-"],
                capture_output=True,
                text=True,
                check=True,
                timeout=120,
            ).stdout
            assert "clf" in text, f"{path.name}: no text extracted"
            found[path.name] = text
        else:
            found[path.name] = path.read_text(encoding="utf-8")
    found["delivered events"] = events.read_text(encoding="utf-8") if events.exists() else ""
    found["store dump"] = _store_dump(project / ".govern" / "govern.db")
    found["quarantine files (not searched)"] = ""
    return found


def _leaks(outputs: dict[str, str], marker: str) -> list[str]:
    """Outputs holding the marker's distinctive core (letters and digits only, so no
    Markdown, HTML or JSON escaping of the characters around it can hide it)."""
    core = re.search(r"PLNT[a-z]\d\d", marker)
    assert core is not None, marker
    return [name for name, text in outputs.items() if core.group() in text]


def test_the_outputs_are_real(outputs: dict[str, str]) -> None:
    """The searches below search something: each output holds what it should."""
    assert "pipeline done" in outputs["pipeline stdout+stderr"]
    assert "planted" in outputs["store dump"] and "clf" in outputs["store dump"]
    assert "--rows" in outputs["store dump"]  # the command line is recorded...
    assert "db.internal" in outputs["store dump"]  # ...and the datasets and the error
    assert "ConnectionError" in outputs["store dump"]
    assert "str_length" in outputs["store dump"] and "api_token" in outputs["store dump"]
    assert '"batch"' in outputs["store dump"]  # a param that is not secret stays
    assert "logisticregression__C" in outputs["store dump"]
    events = [json.loads(line) for line in outputs["events.jsonl"].splitlines() if line]
    assert events and outputs["delivered events"]
    for name in ("audit.html", "audit.md", "audit.json", "card.md", "card.json", "card.html"):
        assert "planted" in outputs[name] or "clf" in outputs[name], name


@pytest.mark.parametrize("what", sorted(SECRETS))
def test_no_secret_reaches_anything_made_from_the_record(
    outputs: dict[str, str], what: str
) -> None:
    assert _leaks(outputs, SECRETS[what]) == []


def test_no_pii_column_value_reaches_anything(outputs: dict[str, str]) -> None:
    assert _leaks(outputs, PII_COLUMN) == []


def test_no_pii_index_label_reaches_anything(outputs: dict[str, str]) -> None:
    assert _leaks(outputs, PII_INDEX) == []
