"""Schema-driven fuzzing of the API from its own OpenAPI document (schemathesis over hypothesis): requests that
fit the document and requests that break it, to every operation of a real server, signed in as a person with a
write token. Whatever they send, the server never answers 5xx, and every error is a problem document."""

from __future__ import annotations

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import Case, GenerationMode

from tests.conftest import REQUESTER
from tests.server.conftest import Served

PROBLEM = "application/problem+json"


def _checked(served: Served, case: Case, token: str) -> None:
    response = case.call(base_url=served.url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    shown = f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:300]}"
    assert response.status_code < 500, shown
    if response.status_code >= 400:
        assert response.headers.get("content-type") == [PROBLEM], shown
        assert {"type", "title", "status", "detail"} <= set(response.json()), shown


def fuzz(served: Served, mode: GenerationMode, examples: int, *, fixed_seed: bool = False) -> None:
    """Every operation of the served document, `examples` generated requests each; the path names a real case
    (rita's, in draft) and the mini process, so bodies and headers are tried against something that exists.
    `fixed_seed`: the same requests on every run (the fast run, so CI cannot fail by chance; the slow run
    explores)."""
    token = served.token("rita")
    real = {"case": served.engine.start("mini", REQUESTER).id, "process": "mini", "document": "request"}
    spec = httpx.get(served.url + "/openapi.json").json()
    operations = [result.ok() for result in schemathesis.openapi.from_dict(spec).get_all_operations()]
    assert len(operations) >= 20
    for operation in operations:
        named = {p.name for p in operation.path_parameters}
        fixed = {name: real[name] for name in named if name in real}

        @given(case=operation.as_strategy(generation_mode=mode, path_parameters=fixed or None))
        @settings(
            max_examples=examples,
            deadline=None,
            database=None,
            derandomize=fixed_seed,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Case) -> None:
            _checked(served, case, token)

        run()


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["fitting", "breaking"])
def test_a_few_requests_per_operation_break_nothing(served: Served, mode: GenerationMode) -> None:
    fuzz(served, mode, 3, fixed_seed=True)


@pytest.mark.slow
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["fitting", "breaking"])
def test_many_requests_per_operation_break_nothing(served: Served, mode: GenerationMode) -> None:
    """About 1,500 requests per store and mode (two minutes in all): the slow marker."""
    fuzz(served, mode, 50)
