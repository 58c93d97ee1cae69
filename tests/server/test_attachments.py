"""Attachments over real HTTP: the signed contract's scan is uploaded, its type sniffed from the bytes, stored
by SHA-256, named in the document (so sealed into the chain), and served back only through a case that names it.
Over the limit, a disallowed type, bytes that do not match the claimed type, a file never uploaded: refused."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from procflow import Actor, ProcessDefinition
from procflow.people.admin import Draft
from procflow.people.cast import CAST_ADMIN
from procflow.server.attachments import FilesystemBackend, open_backend
from procflow.server.problems import ApiProblem
from procflow.store import open_store
from procflow.store.access import AttachmentRecord
from tests.conftest import seat
from tests.server.conftest import Served
from tests.server.test_webhooks import data_of

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 17
GIF = b"GIF89a" + b"\x01\x00\x01\x00\x00\x00\x00;"
PROBLEM = "application/problem+json"


@pytest.fixture
def wang(served: Served, sales: ProcessDefinition) -> httpx.Client:
    """wang, the account manager, is also the sales manager li reports to: the sales process shows a sales
    manager their team's cases (and li's new lead would otherwise be invisible to wang: a 404)."""
    served.engine.register(sales)
    seat(served.engine, Actor("li", "bd_specialist"), Actor("wang", "account_manager"), Actor("wang", "sales_manager"))
    served.engine.team.change(
        CAST_ADMIN, [Draft("reports_to", {"person": "li", "manager": "wang"})], served.clock.now()
    )
    return served.client(served.token("wang"))


@pytest.fixture
def case_id(served: Served, wang: httpx.Client) -> str:
    return served.engine.start("sales", Actor("li", "bd_specialist")).id


def _upload(client: httpx.Client, case_id: str, content: bytes, claimed: str = "application/pdf") -> httpx.Response:
    return client.post(
        f"/api/cases/{case_id}/documents/signed_contract/attachments/scan",
        content=content,
        headers={"Content-Type": claimed},
    )


def _contract(**changes: Any) -> dict[str, Any]:
    return {"role": "account_manager", "data": data_of("signed_contract", **changes)}


def test_a_scan_is_uploaded_named_sealed_and_served(served: Served, wang: httpx.Client, case_id: str) -> None:
    uploaded = _upload(wang, case_id, PDF)
    assert uploaded.status_code == 201, uploaded.text
    ref = uploaded.json()["ref"]
    assert ref == "sha256:" + hashlib.sha256(PDF).hexdigest() and uploaded.json()["media_type"] == "application/pdf"
    submitted = wang.post(f"/api/cases/{case_id}/documents/signed_contract", json=_contract(scan=ref))
    assert submitted.status_code == 200, submitted.text
    event = served.engine.get(case_id).history[-1]
    assert event.data is not None and event.data["scan"] == ref and event.hash  # the hash is in the sealed event
    served_back = wang.get(f"/api/cases/{case_id}/attachments/{ref.removeprefix('sha256:')}")
    assert served_back.status_code == 200 and served_back.content == PDF
    assert served_back.headers["content-type"] == "application/pdf"
    assert served_back.headers["x-content-type-options"] == "nosniff"


def test_a_file_is_served_only_through_a_case_that_names_it(served: Served, wang: httpx.Client, case_id: str) -> None:
    ref = _upload(wang, case_id, PDF).json()["ref"]
    other = served.engine.start("sales", Actor("li", "bd_specialist")).id
    sha = ref.removeprefix("sha256:")
    assert wang.get(f"/api/cases/{case_id}/attachments/{sha}").status_code == 404  # uploaded, not yet named
    wang.post(f"/api/cases/{case_id}/documents/signed_contract", json=_contract(scan=ref))
    assert wang.get(f"/api/cases/{other}/attachments/{sha}").status_code == 404
    with served.client() as anonymous:
        assert anonymous.get(f"/api/cases/{case_id}/attachments/{sha}").status_code == 401


@pytest.mark.parametrize(
    ("content", "claimed", "status", "words"),
    [
        (GIF, "image/gif", 415, "the file is image/gif"),
        (PNG, "application/pdf", 415, "not the application/pdf the request claims"),
        (b"just some words", "application/pdf", 415, "the file is text/plain"),
        (b"%PDF-" + b"0" * (10 * 1024 * 1024), "application/pdf", 413, "at most 10485760"),
        (b"", "application/pdf", 400, "empty"),
    ],
    ids=["disallowed-type", "bytes-not-the-claimed-type", "text-as-pdf", "over-the-field-limit", "empty"],
)
def test_a_bad_upload_is_refused_and_nothing_is_stored(
    served: Served, wang: httpx.Client, case_id: str, content: bytes, claimed: str, status: int, words: str
) -> None:
    response = _upload(wang, case_id, content, claimed)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM and words in response.json()["detail"]
    assert served.store.attachment(hashlib.sha256(content).hexdigest()) is None


def test_an_upload_over_the_server_limit_is_refused_before_reading(wang: httpx.Client, case_id: str) -> None:
    response = _upload(wang, case_id, b"%PDF-" + b"0" * (26 * 1024 * 1024))
    assert response.status_code == 413


def test_a_document_naming_a_file_never_uploaded_is_refused(served: Served, wang: httpx.Client, case_id: str) -> None:
    response = wang.post(f"/api/cases/{case_id}/documents/signed_contract", json=_contract(scan="sha256:" + "a" * 64))
    assert response.status_code == 422 and response.json()["type"].endswith("no-attachment")
    assert served.engine.get(case_id).latest("signed_contract") is None


def test_an_unknown_field_is_404(wang: httpx.Client, case_id: str) -> None:
    response = wang.post(f"/api/cases/{case_id}/documents/signed_contract/attachments/scan_ref", content=PDF)
    assert response.status_code == 404 and "no attachment field" in response.json()["detail"]


def test_the_filesystem_backend_keeps_files_by_hash(tmp_path: Path) -> None:
    backend = open_backend(f"file://{tmp_path / 'files'}", open_store("memory:"))
    assert isinstance(backend, FilesystemBackend)
    record = AttachmentRecord(
        hashlib.sha256(PDF).hexdigest(), "application/pdf", len(PDF), datetime(2026, 3, 2, tzinfo=UTC)
    )
    backend.put(record, PDF)
    backend.put(record, PDF)
    assert backend.get(record.sha256) == (record, PDF) and backend.get("0" * 64) is None
    with pytest.raises(ApiProblem, match="known: \\['file', 'store'\\]"):
        open_backend("s3://bucket", open_store("memory:"))
