"""The integrity block every report carries: the result of verifying the record's chain.

A report is only as trustworthy as the record it was made from, so each one states what
``govern verify`` finds over the store it covers: verified, not verified (the chain
could not be checked, e.g. a keyed chain without its key) or tampered (a record, a link
or an index row does not match), with the chain head hash.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from govern.errors import GovernError

if TYPE_CHECKING:
    from govern.store import Store
    from govern.store.report import VerifyReport

__all__ = ["IntegrityStatus", "integrity", "integrity_of", "unverifiable"]

IntegrityStatus = Literal["verified", "not verified", "tampered"]


def integrity(store: Store) -> dict[str, Any]:
    """Verify the whole chain of ``store`` (it covers every record a report can show)."""
    try:
        report = store.verify()
    except GovernError as err:  # the store could not be read to the end
        return unverifiable(err)
    return integrity_of(report)


def unverifiable(err: GovernError) -> dict[str, Any]:
    """The block for a store that could not be read to the end."""
    return {
        "status": "not verified",
        "covers": "the whole store",
        "records": None,
        "head_hash": None,
        "keyed": None,
        "first_bad": None,
        "problems": None,
        "message": f"the chain could not be verified: {err}",
    }


def integrity_of(report: VerifyReport) -> dict[str, Any]:
    """The block for a verification already made (``Store.verified_stage_runs``)."""
    status: IntegrityStatus
    if report.ok:
        status = "verified"
    elif report.first_bad is None:
        status = "not verified"  # nothing was found wrong; the chain could not be checked
    else:
        status = "tampered"
    return {
        "status": status,
        "covers": "the whole store",
        "records": report.records,
        "head_hash": report.head_hash,
        "keyed": report.keyed,
        "first_bad": report.first_bad,
        "problems": report.problems,
        "message": report.message,
    }
