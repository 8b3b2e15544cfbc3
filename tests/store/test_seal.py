"""Checkpoints kept outside the store catch what the chain alone cannot: records cut from
its end (1, 3, a whole run), a rollback to an older copy, and forged appended records --
on SQLite and PostgreSQL, with an HMAC key and with an Ed25519 key."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import govern.config
from govern.cli import main
from govern.errors import ConfigError
from govern.store import open_store
from govern.store.seal import check_checkpoint, make_checkpoint, verify_summary
from govern.types import RunStatus
from tests.store import attacker
from tests.store import factories as f

HMAC_KEY = "checkpoint-test-key"


def write_key_pair(directory: Path, name: str = "signing") -> tuple[Path, Path]:
    """A fresh Ed25519 key pair as PEM files (private, public)."""
    from cryptography.hazmat.primitives import serialization as ser
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    private = directory / f"{name}.pem"
    public = directory / f"{name}.pub.pem"
    private.write_bytes(
        key.private_bytes(ser.Encoding.PEM, ser.PrivateFormat.PKCS8, ser.NoEncryption())
    )
    public.write_bytes(
        key.public_key().public_bytes(ser.Encoding.PEM, ser.PublicFormat.SubjectPublicKeyInfo)
    )
    return private, public


@pytest.fixture(params=["hmac", "ed25519"])
def keys(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, Any]:
    """open_store keyword arguments for one signing mode (also configured for the CLI)."""
    if request.param == "hmac":
        kwargs: dict[str, Any] = {"signing_key": HMAC_KEY, "signing_key_file": ""}
    else:
        private, public = write_key_pair(tmp_path)
        kwargs = {"signing_key": "", "signing_key_file": str(private), "public": public}
    govern.config.configure(
        signing_key=kwargs["signing_key"], signing_key_file=kwargs["signing_key_file"]
    )
    return kwargs


def _open(url: str, keys: dict[str, Any], **more: Any) -> Any:
    return open_store(
        url, signing_key=keys["signing_key"], signing_key_file=keys["signing_key_file"], **more
    )


def fill(url: str, keys: dict[str, Any], runs: int = 3, stages: int = 2) -> list[int]:
    """``runs`` finished runs; the seq of each run's run_started record."""
    starts: list[int] = []
    with _open(url, keys) as store:
        for _ in range(runs):
            run = f.run_info()
            store.begin_run(run)
            starts.append(store.chain_hashes()[-1][0])
            for _ in range(stages):
                store.record_stage(f.stage_result(run.id))
            store.end_run(run.id, RunStatus.COMPLETED, f.T0)
    return starts


def _checkpoint(url: str, path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    assert main(["checkpoint", "-o", str(path), "--store", url]) == 0
    assert "written to" in capsys.readouterr().out
    doc: dict[str, Any] = json.loads(path.read_text())
    return doc


def _verify(url: str, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["verify", "--store", url, *args])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.out + captured.err


@pytest.mark.parametrize("cut", ["1", "3", "run"])
def test_truncation_is_caught_by_a_checkpoint(
    store_url: str,
    keys: dict[str, Any],
    cut: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    starts = fill(store_url, keys)
    cp = tmp_path / "checkpoint.json"
    doc = _checkpoint(store_url, cp, capsys)
    size = doc["checkpoint"]["size"]
    assert doc["signature"]["algorithm"] == ("ed25519" if "public" in keys else "hmac-sha256")
    assert _verify(store_url, "--checkpoint", str(cp), capsys=capsys)[0] == 0

    keep = starts[-1] - 1 if cut == "run" else size - int(cut)
    attacker.truncate(store_url, keep)
    with _open(store_url, keys, create=False) as store:
        assert store.verify().ok  # the chain alone cannot see a cut end
        result = check_checkpoint(store, doc)
    assert not result.ok
    code, out = _verify(store_url, "--checkpoint", str(cp), capsys=capsys)
    assert code == 1
    missing = f"{keep + 1}..{size}" if size - keep > 1 else f"{size}"
    assert f"{size - keep} of the {size} record(s) the checkpoint covers are missing" in out
    assert f"seq {missing} " in out


def test_rollback_to_an_older_copy_is_caught(
    store_url: str, keys: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fill(store_url, keys, runs=1)
    older = attacker.snapshot(store_url, tmp_path)
    fill(store_url, keys, runs=2)
    cp = tmp_path / "checkpoint.json"
    size = _checkpoint(store_url, cp, capsys)["checkpoint"]["size"]

    with _open(older, keys, create=False) as store:
        assert store.verify().ok
    code, out = _verify(older, "--checkpoint", str(cp), capsys=capsys)
    assert code == 1 and "missing from the store" in out and f"..{size} " in out

    # rolled back and written again past the checkpoint's size: the records differ
    fill(older, keys, runs=3)
    with _open(older, keys, create=False) as store:
        assert store.verify().ok and store.chain_hashes()[-1][0] > size
    code, out = _verify(older, "--checkpoint", str(cp), capsys=capsys)
    assert code == 1 and f"record seq {size}, the last the checkpoint covers" in out


def test_forged_appended_record_is_caught(
    store_url: str, keys: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fill(store_url, keys, runs=1)
    cp = tmp_path / "checkpoint.json"
    _checkpoint(store_url, cp, capsys)
    seq = attacker.forge_append(store_url)
    code, out = _verify(store_url, "--checkpoint", str(cp), capsys=capsys)
    assert code == 1
    assert f"record seq {seq} (approval forged)" in out
    why = "carries no signature" if "public" in keys else "content does not match its hash"
    assert why in out


def test_a_checkpoint_edited_by_hand_does_not_verify(
    store_url: str, keys: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fill(store_url, keys, runs=1)
    cp = tmp_path / "checkpoint.json"
    doc = _checkpoint(store_url, cp, capsys)
    attacker.truncate(store_url, 2)
    # lowering the size to what is left would hide the cut, but breaks the signature
    doc["checkpoint"]["size"] = 2
    with _open(store_url, keys, create=False) as store:
        doc["checkpoint"]["head"] = store.chain_hashes()[-1][1]
    cp.write_text(json.dumps(doc))
    code, out = _verify(store_url, "--checkpoint", str(cp), capsys=capsys)
    assert code == 1
    assert ("signature does not verify" if "public" in keys else "HMAC does not verify") in out


def test_unsigned_checkpoint_of_an_unkeyed_store(
    store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    keys = {"signing_key": "", "signing_key_file": ""}
    fill(store_url, keys, runs=2)
    with _open(store_url, keys, create=False) as store:
        doc = make_checkpoint(store)
        assert doc["signature"] is None
        assert check_checkpoint(store, doc).ok
        summary = verify_summary(store)
        assert summary.status == "verified" and summary.records == doc["checkpoint"]["size"]
        assert summary.head_hash == doc["checkpoint"]["head"]
    attacker.truncate(store_url, 3)
    with _open(store_url, keys, create=False) as store:
        result = check_checkpoint(store, doc)
        assert not result.ok and result.signed == "unsigned"


def test_checkpoint_of_another_store_and_bad_files(
    store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    keys = {"signing_key": "", "signing_key_file": ""}
    fill(store_url, keys, runs=1)
    other = str(tmp_path / "other.db")
    fill(other, keys, runs=1)
    cp = tmp_path / "checkpoint.json"
    _checkpoint(other, cp, capsys)
    code, out = _verify(store_url, "--checkpoint", str(cp), capsys=capsys)
    assert code == 1 and "the checkpoint is of another store" in out
    head = '{"checkpoint": {"format": "govern-checkpoint/1", "size": '
    bad_files = ["not json", "[]", '{"checkpoint": {"format": "x"}}', head + "-1}}",
                 "[" * 100_000, head + "1e400}}", head + "99999999999999999999}}"]  # fmt: skip
    for text in bad_files:
        cp.write_text(text)
        code, out = _verify(store_url, "--checkpoint", str(cp), capsys=capsys)
        assert code == 2 and "--checkpoint" in out, text
    code, out = _verify(store_url, "--checkpoint", str(tmp_path / "none.json"), capsys=capsys)
    assert code == 2 and "cannot read it" in out


def test_summary_not_verified_without_the_hmac_key(store_url: str) -> None:
    keys = {"signing_key": HMAC_KEY, "signing_key_file": ""}
    fill(store_url, keys, runs=1)
    with open_store(store_url, signing_key="", signing_key_file="", create=False) as store:
        assert verify_summary(store).status == "not verified"
    attacker.forge_append(store_url)
    with _open(store_url, keys, create=False) as store:
        assert verify_summary(store).status == "tampered"


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
_FIELDS = ["format", "store", "size", "last_seq", "head", "root", "chain", "created_at"]


@settings(max_examples=150, deadline=None)
@given(
    field=st.sampled_from([*_FIELDS, "signature", "signature.value", "signature.public_key",
                           "signature.algorithm"]),
    value=_JSON,
)  # fmt: skip
def test_any_malformed_checkpoint_is_a_finding_or_a_config_error(
    checkpoint_store: tuple[str, dict[str, Any]], field: str, value: Any
) -> None:
    url, doc = checkpoint_store
    bad = json.loads(json.dumps(doc))
    if field.startswith("signature."):
        if isinstance(bad["signature"], dict):
            bad["signature"][field.split(".", 1)[1]] = value
    elif field == "signature":
        bad["signature"] = value
    else:
        bad["checkpoint"][field] = value
    with open_store(url, signing_key="", signing_key_file="", create=False) as store:
        try:
            result = check_checkpoint(store, bad)
        except ConfigError:
            return
    assert isinstance(result.ok, bool)
    if field == "signature" and value is None:
        assert result.signed == "unsigned"  # as trustworthy as where it is kept (docs)
    elif bad != doc:
        assert not result.ok


@pytest.fixture(scope="module")
def checkpoint_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("fuzz")
    private, _ = write_key_pair(tmp)
    url = str(tmp / "s.db")
    keys = {"signing_key": "", "signing_key_file": str(private)}
    fill(url, keys, runs=1)
    with _open(url, keys, create=False) as store:
        return url, make_checkpoint(store)
