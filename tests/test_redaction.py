"""govern.redaction: one policy for argv, URIs, exception text, params, hyperparameters.

The token shapes are checked against detect-secrets' own plugins: every secret that a
detect-secrets regex plugin finds in a line is gone from govern's redaction of that line.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govern.redaction import (
    REDACTED,
    is_secret_name,
    redact_argv,
    redact_mapping,
    redact_text,
    redact_uri,
    redact_value,
)

MARK = "Zq7MARKq9"  # a value no rule recognises by shape: only its position gives it away


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        (f"login failed: password={MARK} user=bob", "user=bob"),
        (f"postgres://admin:{MARK}@db.internal:5432/shop", "postgres://***@db.internal:5432/shop"),
        (f"postgresql://u:p@{MARK}@host/db", "@host/db"),  # '@' inside the password
        (f"redis://:{MARK}@cache:6379/0", "redis://***@cache:6379/0"),
        (f"https://{MARK}@github.com/o/r.git", "github.com/o/r.git"),
        (f"wasbs://user:{MARK}@acct.blob.core.windows.net/c", "acct.blob.core.windows.net"),
        (
            f"https://acct.blob.core.windows.net/c/x.csv?sv=2022-11-02&ss=b&sig={MARK}%3D&se=2030",
            "sv=2022-11-02&ss=b&sig=***&se=2030",
        ),
        (f"https://api.example.com/v1/data?token={MARK}&page=2", "page=2"),
        (f"s3://b/k?X-Amz-Credential={MARK}&X-Amz-Signature={MARK}", "s3://b/k?"),
        (f'{{"password": "{MARK}", "user": "bob"}}', '"user": "bob"'),
        (f"{{'api_key': '{MARK}', 'batch': 7}}", "'batch': 7"),
        (f'{{\\"password\\": \\"{MARK}\\", \\"user\\": 1}}', '\\"user\\": 1'),  # JSON in a string
        (f"Authorization: Bearer {MARK}", "Authorization: Bearer ***"),
        (f"--token {MARK} --rows 3", "--rows 3"),
        (f"DB_PASSWORD={MARK} python run.py", "python run.py"),
        (f"host=db user=bob password={MARK} dbname=x", "dbname=x"),
        (f"Server=tcp:x;Database=d;Password={MARK};Encrypt=true", "Encrypt=true"),
        (f"AccountName=a;AccountKey={MARK};EndpointSuffix=core", "EndpointSuffix=core"),
        (f"private_key: {MARK}", "private_key: ***"),
        (f"connection_string={MARK}", "connection_string=***"),
        (f"secret: '{MARK}'", "secret: '***'"),
        (f"apiKey:{MARK}", "apiKey:***"),
        (f"-----BEGIN RSA PRIVATE KEY-----\n{MARK}\n-----END RSA PRIVATE KEY-----\nnext", "next"),
    ],
)
def test_secret_forms_are_masked(text: str, kept: str) -> None:
    out = redact_text(text)
    assert MARK not in out
    assert kept in out
    assert redact_uri(text) == out


@pytest.mark.parametrize(
    "text",
    [
        "max_tokens=512 tokenizer=bpe",
        "passes=3 author=me passenger_count=2",
        "abfss://container@acct.dfs.core.windows.net/data",  # a container, not a user
        "https://example.org/a?page=2&sort=name",
        "s3://bucket/key.parquet",
        "column 'email' failed str_matches",
        "",
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert redact_text(text) == text


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("password", True),
        ("db_token", True),
        ("apiKey", True),
        ("APIKey", True),
        ("AWS_SECRET_ACCESS_KEY", True),
        ("private-key", True),
        ("privateKey", True),
        ("connection_string", True),
        ("connectionString", True),
        ("DBPASSWORD", True),
        ("sig", True),
        ("X-Amz-Signature", True),
        ("GOVERN_SIGNING_KEY", True),
        ("client_secret", True),
        ("max_tokens", False),
        ("tokenizer", False),
        ("passes", False),
        ("author", False),
        ("batch", False),
        ("key", False),
        ("C", False),
    ],
)
def test_secret_names(name: str, secret: bool) -> None:
    assert is_secret_name(name) is secret


def test_mappings_mask_secret_keys_and_redact_strings_at_any_depth() -> None:
    values = {
        "api_key": MARK,
        "url": f"postgres://u:{MARK}@h/db",
        "batch": 7,
        "nested": {"private_key": MARK, "items": [f"password={MARK}", 1.5]},
        "token": None,
        "clf__client_secret": MARK,
    }
    out = redact_mapping(values)
    assert MARK not in repr(out)
    assert out["batch"] == 7 and out["token"] is None and out["api_key"] == REDACTED
    assert out["url"] == "postgres://***@h/db"
    assert out["nested"]["items"] == ["password=***", 1.5]
    assert values["api_key"] == MARK  # a copy: the caller's mapping is untouched


def test_deep_nesting_is_masked_not_walked() -> None:
    value: object = MARK
    for _ in range(500):
        value = {"a": [value]}
    assert MARK not in repr(redact_value(value))


@pytest.mark.parametrize(
    "argv",
    [
        ["run.py", f"--password={MARK}"],
        ["run.py", "--password", MARK],
        ["run.py", "--token", MARK],
        ["run.py", f"--api-key={MARK}"],
        ["run.py", "--db-secret", MARK],
        ["run.py", "--dsn", f"host=h user=u password={MARK}"],
        ["run.py", f"postgresql://etl:{MARK}@warehouse:5432/dw"],
        ["run.py", "--db-url", f"mysql://root:{MARK}@127.0.0.1/x"],
        ["run.py", f"DB_PASSWORD={MARK}"],
        ["run.py", f"password={MARK}"],
        ["docker", "run", "-e", f"AWS_SECRET_ACCESS_KEY={MARK}"],
        ["curl", "-H", f"Authorization: Bearer {MARK}", "https://x"],
        ["run.py", f"--source=https://a.blob.core.windows.net/c?sv=1&sig={MARK}"],
        ["run.py", f"--url=https://{MARK}@github.com/o/r"],
    ],
)
def test_command_line_forms(argv: list[str]) -> None:
    out = redact_argv(argv)
    assert MARK not in " ".join(out)
    assert out[0] == argv[0] and len(out) == len(argv)


def test_command_line_keeps_what_is_not_secret() -> None:
    argv = ["run.py", "--passes", "3", "--author", "me", "-", "--", "data.csv", "--rows=5"]
    assert redact_argv(argv) == argv


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.text(alphabet="abcdefghijklmnopqrstuvwxyz", max_size=15), max_size=6).map(" ".join)
)
def test_plain_words_pass_unchanged(text: str) -> None:
    """Words (shorter than a credential) pass, even after ``password`` or ``token``."""
    assert redact_text(text) == text
    assert redact_text(f"invalid password {text}") == f"invalid password {text}"


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300))
def test_any_text_is_redacted_without_error(text: str) -> None:
    assert isinstance(redact_text(text), str)
    assert isinstance(redact_uri(text), str)


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from(["password", "api_key", "TOKEN", "client-secret", "sig"]),
    st.sampled_from(["=", ": ", " = ", "="]),
    st.text(st.characters(exclude_characters=",;&\"'<>"), min_size=1).filter(
        lambda v: not any(c.isspace() for c in v)
    ),
)
def test_any_value_under_a_secret_name_is_masked(name: str, sep: str, value: str) -> None:
    out = redact_text(f"{name}{sep}{value} tail")
    assert out == f"{name}{sep}{REDACTED} tail"


# -- against detect-secrets ----------------------------------------------------------------

# detect-secrets' regex plugins, except IPPublicDetector (an IP address is not a credential)
_PLUGINS = (
    "ArtifactoryDetector",
    "AWSKeyDetector",
    "AzureStorageKeyDetector",
    "BasicAuthDetector",
    "CloudantDetector",
    "DiscordBotTokenDetector",
    "GitHubTokenDetector",
    "GitLabTokenDetector",
    "IbmCloudIamDetector",
    "IbmCosHmacDetector",
    "JwtTokenDetector",
    "MailchimpDetector",
    "NpmDetector",
    "OpenAIDetector",
    "PrivateKeyDetector",
    "PypiTokenDetector",
    "SendGridDetector",
    "SlackDetector",
    "SoftlayerDetector",
    "SquareOAuthDetector",
    "StripeDetector",
    "TelegramBotTokenDetector",
    "TwilioKeyDetector",
)


def _patterns() -> list[object]:
    try:
        from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
    except ImportError:  # a dev dependency; without it there is nothing to compare with
        return []
    plugins = {cls.__name__: cls for cls in get_mapping_from_secret_type_to_class().values()}
    assert set(_PLUGINS) <= set(plugins), set(_PLUGINS) - set(plugins)
    return [
        pytest.param(name, p.pattern, id=f"{name}-{i}")
        for name in _PLUGINS
        for i, p in enumerate(plugins[name]().denylist)
    ]


@pytest.mark.parametrize(("name", "pattern"), _patterns())
def test_every_secret_detect_secrets_finds_is_masked(name: str, pattern: str) -> None:
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class

    plugin = next(
        cls() for cls in get_mapping_from_secret_type_to_class().values() if cls.__name__ == name
    )

    @settings(
        max_examples=20, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(st.from_regex(pattern, fullmatch=True))
    def check(secret: str) -> None:
        line = f"error: {secret} rejected"
        found = {
            str(s.secret_value)
            for s in plugin.analyze_line(filename="x.txt", line=line, line_number=1)
            if s.secret_value
        }
        out = redact_text(line)
        # only what stands where the secret stood: a one-letter secret may also be a letter
        # of the fixed words around it ("c" in "rejected")
        middle = out.removeprefix("error: ").removesuffix(" rejected")
        for value in found:
            assert value not in middle, (name, line, out)

    check()
