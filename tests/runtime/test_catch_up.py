"""A computed document that lacks an input is computed when the input arrives: a request submitted before the
spending policy was published gets its risk rating the moment the policy is published (as a sales lead gets
its grade when the customer profile is), in each open case, once."""

from __future__ import annotations

from procflow import Actor, Engine, ProcessDefinition
from procflow.scenario import read_scenario
from tests.conftest import AUDITOR, PROCESSES, REQUESTER, seat
from tests.test_deadlines import BD, data_of

SCENARIOS = PROCESSES / "sales" / "scenarios"

REQUEST = {"item": "desk", "amount": 300}


def test_publishing_the_missing_input_computes_the_waiting_document(engine: Engine, mini: ProcessDefinition) -> None:
    engine.register(mini)
    waiting = engine.submit(engine.start("mini", REQUESTER), "request", REQUEST, REQUESTER)
    untouched = engine.start("mini", REQUESTER)  # no request yet: still nothing to compute
    assert waiting.latest("risk") is None  # no policy published: no rating, and `send` needs it
    engine.publish("mini", "policy", {"limit": 1000}, AUDITOR)
    case = engine.get(waiting.id)
    risk = case.latest("risk")
    assert risk is not None and dict(risk.data) == {"over_limit": False, "level": "low"}
    assert [(e.kind, e.actor) for e in case.history[waiting.version :]] == [("computed", "procflow")]
    assert engine.get(untouched.id) == untouched
    assert engine.fire(case, "send", REQUESTER).state == "review"  # the case is no longer stuck


def test_a_later_version_of_the_input_does_not_regrade_cases_that_have_the_document(
    engine: Engine, mini: ProcessDefinition
) -> None:
    engine.register(mini)
    engine.publish("mini", "policy", {"limit": 1000}, AUDITOR)
    case = engine.submit(engine.start("mini", REQUESTER), "request", REQUEST, REQUESTER)
    engine.publish("mini", "policy", {"limit": 100}, AUDITOR)
    assert engine.get(case.id) == case  # rated under the policy it was submitted under
    assert case.latest("risk") is not None and case.latest("risk").data["level"] == "low"  # type: ignore[union-attr]


def test_a_lead_recorded_before_the_profile_is_graded_when_the_profile_is_published(
    engine: Engine, sales: ProcessDefinition
) -> None:
    won = read_scenario(SCENARIOS / "won.yaml")
    seat(engine, BD, Actor("wang_min", "sales_manager"))
    engine.register(sales)
    case = engine.submit(engine.start("sales", BD), "lead_record", data_of(won, "lead_record"), BD)
    assert case.latest("lead_grading") is None
    profile = next(step["data"] for step in won["steps"] if step.get("publish") == "customer_profile")
    engine.publish("sales", "customer_profile", profile, Actor("wang_min", "sales_manager"))
    grading = engine.get(case.id).latest("lead_grading")
    assert grading is not None and grading.data["grade"] == "A"
