"""Ed25519 signatures: a third party verifies with the public key alone and cannot forge;
key rotation is recorded in the chain; stripped or foreign signatures are caught."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
import sqlalchemy as sa

import govern.config
from govern.cli import main
from govern.errors import ConfigError, StoreError
from govern.store import open_store
from govern.store.signing import SIGNING_KEY, key_id, load_public_key
from tests.store import attacker
from tests.store import factories as f
from tests.store.test_seal import write_key_pair


def _fill(url: str, key_file: Path | str, stages: int = 2) -> str:
    with open_store(url, signing_key="", signing_key_file=str(key_file)) as store:
        run = f.run_info()
        store.begin_run(run)
        for _ in range(stages):
            store.record_stage(f.stage_result(run.id))
        return run.id


def _auditor(url: str) -> object:
    """The auditor's view: no HMAC key, no private key."""
    return open_store(url, signing_key="", signing_key_file="", create=False)


def _exec(url: str, sql: str, **params: object) -> None:
    db = attacker.engine(url)
    try:
        with db.begin() as conn:
            conn.execute(sa.text(sql), params)
    finally:
        db.dispose()


def test_third_party_verifies_with_the_public_key_alone(
    store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    private, public = write_key_pair(tmp_path)
    _fill(store_url, private)
    raw = load_public_key(public)
    with open_store(store_url, signing_key="", signing_key_file="", create=False) as store:
        assert store.mode == "ed25519"
        report = store.verify(public_keys=[raw])
        assert report.ok and report.pinned and report.key_ids == (key_id(raw),)
        assert report.records == 4  # signing_key, run_started, 2 stages
        records = store.records(kind=SIGNING_KEY)
        assert records[0].seq == 1 and records[0].data["replaces"] is None
    # ... and cannot add a record without the private key
    with pytest.raises(StoreError, match="GOVERN_SIGNING_KEY_FILE is not set"):
        open_store(store_url, signing_key="", signing_key_file="")
    code = main(["verify", "--store", store_url, "--public-key", str(public)])
    out = capsys.readouterr().out
    assert code == 0 and "checked against the pinned public key" in out

    _, stranger = write_key_pair(tmp_path, "stranger")
    code = main(["verify", "--store", store_url, "--public-key", str(stranger)])
    out = capsys.readouterr().out
    assert code == 1 and "record seq 1 (signing_key " in out and "not a trusted public key" in out


def test_each_signature_is_checked(store_url: str, tmp_path: Path) -> None:
    private, public = write_key_pair(tmp_path)
    _fill(store_url, private)
    raw = load_public_key(public)
    # a signature swapped with another record's
    _exec(store_url, "UPDATE signatures SET signature = (SELECT signature FROM signatures "
          "WHERE seq = 2) WHERE seq = 3")  # fmt: skip
    with _auditor(store_url) as store:  # type: ignore[attr-defined]
        report = store.verify(public_keys=[raw])
    assert not report.ok and report.first_bad.startswith("record seq 3 (stage ")
    assert "signature does not verify" in report.first_bad
    _exec(store_url, "DELETE FROM signatures WHERE seq = 4")
    with _auditor(store_url) as store:  # type: ignore[attr-defined]
        report = store.verify()
    assert not report.ok and report.problems == 2


def test_stripping_every_signature_is_a_downgrade(store_url: str, tmp_path: Path) -> None:
    private, public = write_key_pair(tmp_path)
    _fill(store_url, private)
    _exec(store_url, "DELETE FROM signatures")
    _exec(store_url, "UPDATE meta SET value = 'sha256' WHERE key = 'chain'")
    with _auditor(store_url) as store:  # type: ignore[attr-defined]
        report = store.verify(public_keys=[load_public_key(public)])
    assert not report.ok and "not signed with Ed25519" in report.message


def test_key_rotation_is_recorded_in_the_chain(store_url: str, tmp_path: Path) -> None:
    first, first_pub = write_key_pair(tmp_path, "first")
    second, second_pub = write_key_pair(tmp_path, "second")
    _fill(store_url, first)
    _fill(store_url, second)
    a, b = load_public_key(first_pub), load_public_key(second_pub)
    with _auditor(store_url) as store:  # type: ignore[attr-defined]
        rotations = store.records(kind=SIGNING_KEY)
        assert [r.data["key_id"] for r in rotations] == [key_id(a), key_id(b)]
        assert rotations[1].data["replaces"] == key_id(a)
        assert store.verify(public_keys=[a, b]).ok
        assert store.verify().ok  # against the keys the chain names
        only_first = store.verify(public_keys=[a])
    assert not only_first.ok
    assert only_first.first_bad.startswith(f"record seq {rotations[1].seq} (signing_key ")


def test_an_attackers_own_key_is_caught_only_when_the_key_is_pinned(
    store_url: str, tmp_path: Path
) -> None:
    owner, owner_pub = write_key_pair(tmp_path, "owner")
    mallory, _ = write_key_pair(tmp_path, "mallory")
    _fill(store_url, owner)
    _fill(store_url, mallory)  # writes a signing_key record for her key, then signs with it
    with _auditor(store_url) as store:  # type: ignore[attr-defined]
        assert store.verify().ok  # self-consistent: why the auditor must pin the key
        report = store.verify(public_keys=[load_public_key(owner_pub)])
    assert not report.ok and "not a trusted public key" in (report.first_bad or "")


def test_an_unkeyed_store_starts_signing(store_url: str, tmp_path: Path) -> None:
    with open_store(store_url, signing_key="", signing_key_file="") as store:
        run = f.run_info()
        store.begin_run(run)
    private, public = write_key_pair(tmp_path)
    _fill(store_url, private)
    with _auditor(store_url) as store:  # type: ignore[attr-defined]
        report = store.verify(public_keys=[load_public_key(public)])
        assert report.ok and report.mode == "ed25519" and report.records == 5
    # rewriting the unsigned prefix breaks the signed record after it
    _exec(store_url, "UPDATE ledger SET body = replace(body, 'penguins', 'pelicans') WHERE seq = 1")
    with _auditor(store_url) as store:  # type: ignore[attr-defined]
        assert not store.verify(public_keys=[load_public_key(public)]).ok


def test_signing_key_record_must_name_its_key(store_url: str, tmp_path: Path) -> None:
    private, _ = write_key_pair(tmp_path)
    _, other = write_key_pair(tmp_path, "other")
    _fill(store_url, private)
    fake = base64.b64encode(load_public_key(other)).decode()
    with _auditor(store_url) as store:  # type: ignore[attr-defined]
        body = store.records(kind=SIGNING_KEY)[0]
    assert body.seq == 1
    _exec(store_url, "UPDATE ledger SET body = replace(body, :old, :new) WHERE seq = 1",
          old=body.data["public_key"], new=fake)  # fmt: skip
    with _auditor(store_url) as store:  # type: ignore[attr-defined]
        report = store.verify()
    assert not report.ok and report.first_bad.startswith("record seq 1 (signing_key ")


def test_key_configuration_errors(tmp_path: Path) -> None:
    private, public = write_key_pair(tmp_path)
    url = str(tmp_path / "s.db")
    with pytest.raises(ConfigError, match="both GOVERN_SIGNING_KEY"):
        open_store(url, signing_key="k", signing_key_file=str(private))
    with pytest.raises(ConfigError, match="not an unencrypted PEM private key"):
        open_store(url, signing_key="", signing_key_file=str(public))
    with pytest.raises(ConfigError, match="cannot read"):
        open_store(url, signing_key="", signing_key_file=str(tmp_path / "missing.pem"))
    with pytest.raises(ConfigError, match="not a PEM public key"):
        load_public_key(private)
    govern.config.configure(signing_key_file=str(private))
    assert govern.config.settings().signing_key_file == private


def test_hmac_store_refuses_an_ed25519_writer(tmp_path: Path) -> None:
    private, _ = write_key_pair(tmp_path)
    url = str(tmp_path / "s.db")
    with open_store(url, signing_key="hmac", signing_key_file="") as store:
        store.begin_run(f.run_info())
    with pytest.raises(StoreError, match="an Ed25519 key cannot take over an HMAC chain"):
        open_store(url, signing_key="", signing_key_file=str(private))


def test_writers_with_different_keys_at_once(store_url: str, tmp_path: Path) -> None:
    first, first_pub = write_key_pair(tmp_path, "first")
    second, second_pub = write_key_pair(tmp_path, "second")
    a = open_store(store_url, signing_key="", signing_key_file=str(first))
    b = open_store(store_url, signing_key="", signing_key_file=str(second))  # rotates
    try:
        run = f.run_info()
        a.begin_run(run)  # a still signs with its own key: it names it again first
        b.record_stage(f.stage_result(run.id))
        a.record_stage(f.stage_result(run.id))
        kinds = [r.kind for r in a.records()]
        assert kinds == [SIGNING_KEY, SIGNING_KEY, SIGNING_KEY, "run_started",
                         SIGNING_KEY, "stage", SIGNING_KEY, "stage"]  # fmt: skip
        keys = [load_public_key(first_pub), load_public_key(second_pub)]
        assert a.verify(public_keys=keys).ok
        assert not a.verify(public_keys=keys[:1]).ok
    finally:
        a.close()
        b.close()
