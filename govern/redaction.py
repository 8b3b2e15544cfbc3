r"""One redaction policy for everything that reaches the record: secrets masked as ``***``.

Applied at capture time to the command line and CI identity (govern.environment),
dataset URIs (govern.datasets), exception text, ``log_params`` values and
hyperparameters (govern.recording), and again to every string that goes into an
OpenLineage event (govern.lineage.redact). What is masked:

* values under secret-looking names: ``password=x``, ``"api_key": "x"``, ``token: x``,
  ``--secret x``, ``Authorization: Bearer x``, query parameters such as ``sig=`` or
  ``X-Amz-Signature=`` (see :func:`is_secret_name`);
* credentials in URLs: ``scheme://user:password@host`` -> ``scheme://***@host``;
* token shapes with a known prefix, from detect-secrets' plugins (AWS, GitHub, GitLab,
  Slack, Stripe, JWT, PyPI, SendGrid, Twilio, ...), plus a few it lacks (Google API
  keys, Hugging Face and fine-grained GitHub tokens);
* PEM private key blocks.

Linear time: detect-secrets itself is not used at run time. Its keyword detector's
regexes backtrack (a ``(?=[^\v'"]*)`` lookahead and ``\w*`` affixes tried from every
position: quadratic on long lines) and importing its plugins costs ~100 ms (they import
``requests``). Every pattern here is anchored so that an unbounded run is only scanned
from the start of its token (a negative lookbehind of the run's own characters) and
with possessive quantifiers, so no character is examined more than a bounded number of
times; the key/value pass is a scanner that never goes back. tests/test_redaction*.py
checks the shapes against detect-secrets and the time on megabyte inputs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "REDACTED",
    "is_secret_name",
    "redact_argv",
    "redact_mapping",
    "redact_text",
    "redact_uri",
    "redact_value",
]

REDACTED = "***"

# -- secret-looking names ----------------------------------------------------------------

_WORDS = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")
_SECRET_WORDS = frozenset(
    {
        "password",
        "passwd",
        "pwd",
        "pass",
        "passphrase",
        "secret",
        "secrets",
        "token",
        "credential",
        "credentials",
        "apikey",
        "signature",
        "sig",
        "auth",
        "authorization",
        "bearer",
        "cookie",
        "dsn",
        "sas",
        "privatekey",
        "accesskey",
        "secretkey",
        "connectionstring",
        "connstr",
        "contrasena",
        "contraseña",
    }
)
# a run-together word that ends like one of these: DBPASSWORD, mytoken, xapikey
_SECRET_ENDINGS = ("password", "passwd", "passphrase", "secret", "token", "apikey", "credentials")
_SECRET_PAIRS = frozenset(
    {
        ("api", "key"),
        ("access", "key"),
        ("private", "key"),
        ("priv", "key"),
        ("secret", "key"),
        ("signing", "key"),
        ("encryption", "key"),
        ("master", "key"),
        ("account", "key"),
        ("service", "key"),
        ("client", "key"),
        ("db", "key"),
        ("database", "key"),
        ("session", "key"),
        ("connection", "string"),
        ("conn", "str"),
        ("conn", "string"),
    }
)
# cheap pre-filter of the key/value pass: a name can only be secret if it holds one of these
_HINT = r"(?i:pass|pw|secret|token|cred|key|sig|auth|bearer|cookie|dsn|sas|conn|contrase)"


def is_secret_name(name: str) -> bool:
    """True for names like ``password``, ``db_token``, ``apiKey``, ``AWS_SECRET_ACCESS_KEY``.

    Names are split into words (``_``, ``-``, ``.``, camelCase); a name is secret when a
    word is a secret word (``password``, ``token``, ``secret``, ``sig``, ``dsn``...), ends
    like one (``dbpassword``) or two adjacent words make one (``api key``, ``private key``,
    ``connection string``). ``max_tokens``, ``tokenizer``, ``passes`` are not secret.
    """
    return _strength(name) == _STRONG


_STRONG, _WEAK = 2, 1
# a name that only ends like a key (``clkey``, ``sl-key``, ``cos_hmac_pw``): its value is
# masked in text when it looks like a credential, not when it reads like a word
_WEAK_ENDINGS = ("key", "pw", "pwd", "pass", "token", "secret")


def _strength(name: str) -> int:
    words = [w.lower() for w in _WORDS.findall(name)]
    for i, word in enumerate(words):
        if word in _SECRET_WORDS or word.endswith(_SECRET_ENDINGS):
            return _STRONG
        if i and (words[i - 1], word) in _SECRET_PAIRS:
            return _STRONG
    return _WEAK if words and words[-1].endswith(_WEAK_ENDINGS) else 0


# -- text --------------------------------------------------------------------------------

_PEM_BEGIN = re.compile(r"BEGIN[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?|PuTTY-User-Key-File-\d")
_PEM_END = re.compile(r"-----END[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----")

# scheme://  (a scheme starts a token: no scheme character before it)
_SCHEME = re.compile(r"(?<![A-Za-z0-9+.\-])(?:[A-Za-z][A-Za-z0-9+.\-]{0,31}+)?://")
_AUTHORITY = re.compile(r"[^\s/?#]*+")
# schemes whose ``name@host`` is a container, not a credential (a ``:`` still is one)
_CONTAINER_SCHEMES = ("wasb://", "wasbs://", "abfs://", "abfss://")

# NAME<sep>: a name starts a token, holds a hint of a secret, is at most 64 characters;
# the separators detect-secrets knows (=, :, :=, =>, ::, ==, or blanks alone).
_KEY = re.compile(
    r"(?<![\w.\-])(?P<dash>-{1,2})?"
    rf"(?=[\w.\-]{{0,60}}?{_HINT})"
    r"(?P<key>[A-Za-z_][\w.\-]{0,63}+)(?![\w.\-])"
    r"[\\\"'\]]{0,3}"
    r"(?P<sep>[ \t]{0,64}+(?:=>|:=|::|==?|:(?!//))\s{0,64}+|[ \t]{1,64}+)"
)
_VALUE = re.compile(
    r"(?P<scheme>(?i:bearer|basic|token|digest|bot|negotiate|apikey)[ \t]+)?"
    r"(?P<body>\\?\"[^\"\n]*+\"?|\\?'[^'\n]*+'?|[^\s,;&\"'<>]++)"
)
# what a credential starts like when only its name's ending or a blank separator says so
_CREDENTIAL = re.compile(r"[\"']?[A-Za-z0-9_\-+/=.~]{16}")

# Token shapes, after detect-secrets 1.5 plugins (aws, github_token, gitlab_token, slack,
# stripe, jwt, openai, pypi_token, sendgrid, twilio, azure_storage_key, discord,
# telegram_token, mailchimp, artifactory, square_oauth), rewritten to be linear: a long or
# unbounded run must start its token (a lookbehind) and is possessive. Plus Google API
# keys, Hugging Face tokens and fine-grained GitHub tokens, which detect-secrets lacks.
# Each shape runs only when the text holds one of its literals (most texts hold none).
_TOKEN_SHAPES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("A3T", "ABIA", "ACCA", "AKIA", "ASIA"), r"(?:A3T[A-Z0-9]|ABIA|ACCA|AKIA|ASIA)[0-9A-Z]{16}"),
    (("ghp_", "gho_", "ghu_", "ghs_", "ghr_"), r"(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9_]{36}"),
    (("github_pat_",), r"(?<![\w-])github_pat_[A-Za-z0-9_]{22,255}+"),
    (
        ("glpat-", "gldt-", "glft-", "glsoat-", "glrt-", "glimt-", "glptt-", "glagent-", "gloas-"),
        r"(?<![\w-])(?:glpat|gldt|glft|glsoat|glrt|glimt|glptt|glagent|gloas)-"
        r"[A-Za-z0-9_\-]{20,1024}+",
    ),
    (("glcbt-",), r"(?<![\w-])glcbt-(?:[0-9a-fA-F]{2}_)?[A-Za-z0-9_\-]{20,50}+"),
    (("GR1348941",), r"(?<![\w-])GR1348941[A-Za-z0-9_\-]{20,50}+"),
    (
        ("xox", "XOX", "Xox"),
        r"(?<![\w-])(?i:xox[abposr])-(?:\d++-){1,64}(?i:[a-z0-9]{1,128}+)",
    ),
    (
        ("hooks.slack.com",),
        r"(?i:https://hooks\.slack\.com/services/T[A-Za-z0-9_]{1,64}/B[A-Za-z0-9_]{1,64}/"
        r"[A-Za-z0-9_]{1,128})",
    ),
    (("k_live_",), r"[rs]k_live_[0-9a-zA-Z]{24,99}+"),
    (
        ("eyJ",),
        r"(?<![\w-])eyJ[A-Za-z0-9_=\-]{1,8192}+\.[A-Za-z0-9_=\-]{1,8192}+"
        r"(?:\.[A-Za-z0-9_.+/=\-]{0,8192}+)?",
    ),
    (("sk-",), r"(?<![\w-])sk-(?:proj-)?[A-Za-z0-9_\-]{32,256}+"),
    (("pypi-AgE",), r"(?<![\w-])pypi-AgE[A-Za-z0-9_\-]{70,4096}+"),
    (("SG.",), r"SG\.[a-zA-Z0-9_\-]{22}\.[a-zA-Z0-9_\-]{43}"),
    (("AC", "SK"), r"(?:AC|SK)[a-z0-9]{32}"),
    (("AccountKey=",), r"AccountKey=[a-zA-Z0-9+/=]{88}"),
    (("M", "N", "O"), r"(?<![\w-])[MNO][a-zA-Z\d_\-]{23,25}\.[a-zA-Z\d_\-]{6}\.[a-zA-Z\d_\-]{27}"),
    ((":",), r"(?<!\d)\d{8,10}+:[0-9A-Za-z_\-]{35}"),
    (("-us",), r"(?<![0-9a-z])[0-9a-z]{32}+-us[0-9]{1,2}"),
    (("AKC",), r"(?:(?<=[\s=:\"])|^)AKC[a-zA-Z0-9]{10,}+(?=[\s\"]|$)"),
    (("AP",), r"(?:(?<=[\s=:\"])|^)AP[\dABCDEF][a-zA-Z0-9]{8,}+(?=[\s\"]|$)"),
    (("sq0csp-",), r"sq0csp-[0-9A-Za-z\\\-_]{43}"),
    (("AIza",), r"AIza[0-9A-Za-z_\-]{35}"),
    (
        ("aws",),
        r"aws.{0,20}?(?:key|pwd|pw|password|pass|token).{0,20}?['\"]"
        r"(?P<secret>[0-9a-zA-Z/+]{40})['\"]",
    ),
    (("softlayer",), r"https?://api.softlayer.com/soap/(?:v3|v3.1)/(?P<secret>[a-z0-9]{64})"),
    (("hf_",), r"(?<![\w-])hf_[A-Za-z0-9]{34,64}+"),
)
_TOKENS = tuple((literals, re.compile(shape, re.MULTILINE)) for literals, shape in _TOKEN_SHAPES)
_HINT_WORDS = _HINT[4:-1].split("|")


def redact_text(text: str) -> str:
    """``text`` with every secret this policy recognises replaced by ``***``.

    ``postgres://u:p@h/db`` -> ``postgres://***@h/db``; ``password=x`` ->
    ``password=***``; ``"token": "x"`` -> ``"token": "***"``; ``--api-key x`` ->
    ``--api-key ***``; ``Bearer x`` after an Authorization name -> ``Bearer ***``;
    known token shapes (``ghp_...``, ``AKIA...``, JWTs) -> ``***``. Linear in
    ``len(text)``.
    """
    if not isinstance(text, str):  # a caller's None or number: nothing to hide in it
        return text
    text = _private_keys(text)
    text = _url_credentials(text)
    lowered = text.lower()
    if any(word in lowered for word in _HINT_WORDS):
        text = _assignments(text)
    for literals, shape in _TOKENS:
        if any(literal in text for literal in literals):
            text = shape.sub(_mask_shape, text)
    return text


def _mask_shape(match: re.Match[str]) -> str:
    if "secret" not in match.re.groupindex:
        return REDACTED
    start, end = match.span("secret")
    whole = match.group()
    return whole[: start - match.start()] + REDACTED + whole[end - match.start() :]


def _private_keys(text: str) -> str:
    if "PRIVATE KEY" not in text and "PuTTY" not in text:
        return text
    out: list[str] = []
    last = 0
    for begin in _PEM_BEGIN.finditer(text):
        if begin.start() < last:
            continue
        end = _PEM_END.search(text, begin.end())
        out += [text[last : begin.start()], REDACTED]
        last = len(text) if end is None else end.end()
    out.append(text[last:])
    return "".join(out)


def _url_credentials(text: str) -> str:
    if "://" not in text:
        return text
    out: list[str] = []
    last = 0
    for scheme in _SCHEME.finditer(text):
        start = scheme.end()
        if start < last:
            continue
        authority = _AUTHORITY.match(text, start)
        assert authority is not None  # * matches the empty string
        at = authority.group().rfind("@")
        if at < 0:
            continue
        userinfo = authority.group()[:at]
        if scheme.group().lower() in _CONTAINER_SCHEMES and ":" not in userinfo:
            continue
        out += [text[last:start], REDACTED]
        last = start + at
    out.append(text[last:])
    return "".join(out)


def _assignments(text: str) -> str:
    out: list[str] = []
    last = pos = 0
    search = _KEY.search
    while (key := search(text, pos)) is not None:
        strength = _strength(key.group("key"))
        value = _VALUE.match(text, key.end()) if strength else None
        if value is None:
            pos = key.end("key")
            continue
        loose = not key.group("dash") and not key.group("sep").strip()
        if (strength == _WEAK or loose) and not _CREDENTIAL.match(value.group("body")):
            pos = key.end("key")
            continue
        masked = _mask(value.group(), value.group("scheme") or "")
        out += [text[last : value.start()], masked]
        last = pos = value.end()
    if not out:
        return text
    out.append(text[last:])
    return "".join(out)


def _mask(value: str, scheme: str) -> str:
    body = value[len(scheme) :]
    if body[:1] in ("'", '"'):
        quote = body[0]
        return f"{scheme}{quote}{REDACTED}{quote if len(body) > 1 and body[-1] == quote else ''}"
    return f"{scheme}{REDACTED}"


def redact_uri(uri: str) -> str:
    """A URI with its credentials masked: user-info, secret query parameters, tokens.

    ``https://u:p@h/x?sv=1&sig=abc`` -> ``https://***@h/x?sv=1&sig=***``. Never raises,
    whatever the text (a malformed URI is redacted as text).
    """
    return redact_text(uri)


# -- structures --------------------------------------------------------------------------

_MAX_DEPTH = 64


def redact_value(value: Any, depth: int = 0) -> Any:
    """``value`` with every string redacted and every secret-looking key's value masked.

    Mappings become dicts and tuples lists (the JSON shapes); other values pass as they
    are. Nesting deeper than 64 levels is masked whole rather than walked.
    """
    if isinstance(value, str):
        return redact_text(value)
    if depth >= _MAX_DEPTH and isinstance(value, Mapping | list | tuple):
        return REDACTED
    if isinstance(value, Mapping):
        return _mapping(value, depth)
    if isinstance(value, list | tuple):
        return [redact_value(v, depth + 1) for v in value]
    return value


def _mapping(values: Mapping[Any, Any], depth: int) -> dict[Any, Any]:
    return {
        k: (REDACTED if v is not None and is_secret_name(str(k)) else redact_value(v, depth + 1))
        for k, v in values.items()
    }


def redact_mapping(values: Mapping[Any, Any]) -> dict[Any, Any]:
    """A copy of ``values`` with secret-looking keys' values masked, strings redacted.

    ``{"api_key": "x", "url": "postgres://u:p@h/db", "batch": 7}`` ->
    ``{"api_key": "***", "url": "postgres://***@h/db", "batch": 7}``; nested mappings
    and lists likewise. A None value stays None (it hides nothing).
    """
    return _mapping(values, 0)


# -- command lines -----------------------------------------------------------------------


def redact_argv(argv: Sequence[str]) -> list[str]:
    """A command line with secrets masked.

    ``--password=x`` and ``--token x`` (any option with a secret-looking name) mask their
    value; every other argument is redacted as text, so ``DB_PASSWORD=x``,
    ``postgres://u:p@h/db``, ``host=h password=x``, ``Authorization: Bearer x`` and
    token shapes are masked wherever they stand.
    """
    out: list[str] = []
    masked_next = False
    for arg in argv:
        text = str(arg)
        if masked_next:
            out.append(REDACTED)
            masked_next = False
            continue
        option, eq, _value = text.partition("=")
        if _is_secret_option(option):
            if eq:
                out.append(f"{option}={REDACTED}")
            else:
                out.append(text)
                masked_next = True
            continue
        out.append(redact_text(text))
    return out


def _is_secret_option(option: str) -> bool:
    """``--password``, ``--db-token``, ``--api-key``, ``-secret`` (not ``--passes``)."""
    if not option.startswith("-") or option in ("-", "--") or len(option) > 128:
        return False
    return is_secret_name(option.lstrip("-"))
