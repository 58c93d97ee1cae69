"""One mapping from every library error to a problem document, and JSON bodies that can only parse or be a 400."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from procflow.errors import (
    CaseClosed,
    CaseNotFound,
    ConflictError,
    DefinitionError,
    DocumentInvalid,
    DocumentsMissing,
    DutiesNotSeparated,
    FieldError,
    GuardFailed,
    InputError,
    Problem,
    ProcflowError,
    Refusal,
    RoleNotAllowed,
    StoreError,
    TriggerNotAvailable,
    UnknownName,
)
from procflow.server.bodies import parse_json
from procflow.server.problems import ApiProblem, problem
from procflow.server.settings import ServerSettings

ERRORS = [
    (UnknownName("case", "c-1", ["c-2"]), 404, {"kind": "case", "name": "c-1", "known": ["c-2"]}),
    (UnknownName("trigger", "sned", ["send"]), 422, {"name": "sned"}),
    (TriggerNotAvailable("approve", "draft", ["send"]), 409, {"trigger": "approve", "available": ["send"]}),
    (RoleNotAllowed("fire 'send'", "approver", ["requester"]), 403, {"role": "approver", "allowed": ["requester"]}),
    (DocumentsMissing("send", ["request"]), 409, {"missing": ["request"]}),
    (GuardFailed("approve", "documents.decision.approve"), 409, {"guard": "documents.decision.approve"}),
    (
        DocumentInvalid("request", [FieldError("$.amount", "-1 < 0")]),
        422,
        {"errors": [{"path": "$.amount", "message": "-1 < 0"}]},
    ),
    (DutiesNotSeparated("li", "approve", "four_eyes", "submit:solution"), 403, {"user": "li", "rule": "four_eyes"}),
    (CaseClosed("c-1", "won"), 409, {"case_id": "c-1", "state": "won"}),
    (Refusal("no"), 409, {}),
    (CaseNotFound("c-9"), 404, {"case_id": "c-9"}),
    (ConflictError("c-1", 3, 4), 409, {"expected": 3, "actual": 4}),
    (StoreError("disk full"), 503, {}),
    (InputError("bad file"), 400, {}),
    (
        DefinitionError([Problem("p.yaml", 3, 5, "unknown role 'x'", "roles.x")]),
        422,
        {
            "problems": [
                {
                    "file": "p.yaml",
                    "line": 3,
                    "column": 5,
                    "message": "unknown role 'x'",
                    "path": "roles.x",
                    "severity": "error",
                }
            ]
        },
    ),
    (ApiProblem(412, "stale"), 412, {}),
]


@pytest.mark.parametrize(("error", "status", "fields"), ERRORS, ids=[type(e[0]).__name__ + str(e[1]) for e in ERRORS])
def test_every_error_becomes_a_problem_with_its_data(
    error: ProcflowError, status: int, fields: dict[str, object]
) -> None:
    document = problem(error, "/x")
    assert document["status"] == status and document["detail"] == error.message and document["instance"] == "/x"
    assert document["type"].startswith("urn:procflow:problem:")
    assert {k: document[k] for k in fields} == fields
    json.dumps(document)


def test_the_problem_type_names_the_library_class() -> None:
    assert problem(RoleNotAllowed("x", "a", []))["type"] == "urn:procflow:problem:role-not-allowed"


@settings(max_examples=300, deadline=None)
@given(
    st.binary(max_size=300)
    | st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
        lambda c: st.lists(c) | st.dictionaries(st.text(), c),
        max_leaves=40,
    ).map(lambda v: json.dumps(v).encode())
)
def test_a_body_parses_or_is_a_400(body: bytes) -> None:
    try:
        parse_json(body, ServerSettings())
    except ApiProblem as exc:
        assert exc.status == 400
