"""The engine's contract: start, submit, fire, available — on every store."""

from __future__ import annotations

from datetime import timedelta

import pytest

from procflow import (
    Actor,
    CaseClosed,
    ConflictError,
    DocumentInvalid,
    DocumentsMissing,
    Engine,
    FixedClock,
    GuardFailed,
    Refusal,
    RoleNotAllowed,
    TriggerNotAvailable,
    UnknownName,
    load,
)
from tests.conftest import APPROVER, AUDITOR, REQUESTER, seat


def sent(engine: Engine, amount: float = 100) -> object:
    case = engine.start("mini", REQUESTER)
    case = engine.submit(case, "request", {"item": "laptop", "amount": amount}, REQUESTER)
    return engine.fire(case, "send", REQUESTER)


def test_start_puts_the_case_in_the_initial_state_pinned_to_its_definition(running: Engine, mini) -> None:
    case = running.start("mini", REQUESTER, data={"cost_centre": "R&D"})
    assert case.state == "draft"
    assert case.definition_hash == mini.content_hash
    assert case.version == 1 and case.history[0].kind == "started"
    assert dict(case.data) == {"cost_centre": "R&D"}
    assert running.get(case.id) == case


def test_only_the_initial_owner_may_start(running: Engine) -> None:
    with pytest.raises(RoleNotAllowed) as info:
        running.start("mini", APPROVER)
    assert info.value.allowed == ("requester",)


def test_a_walk_to_approval_records_every_step(running: Engine, clock: FixedClock) -> None:
    case = running.start("mini", REQUESTER)
    clock.advance(timedelta(hours=1))
    case = running.submit(case, "request", {"item": "laptop", "amount": 800}, REQUESTER)
    assert case.latest("risk").data == {"over_limit": False, "level": "low"}
    assert case.latest("risk").actor == "procflow"
    case = running.fire(case, "send", REQUESTER)
    case = running.submit(case, "decision", {"approve": True}, APPROVER)
    case = running.fire(case, "approve", APPROVER)
    assert case.state == "approved"
    kinds = [(e.kind, e.trigger or e.document) for e in running.get(case.id).history]
    assert kinds == [
        ("started", None),
        ("submitted", "request"),
        ("computed", "risk"),
        ("fired", "send"),
        ("submitted", "decision"),
        ("fired", "approve"),
    ]
    assert [e.seq for e in case.history] == list(range(1, 7))
    assert case.history[1].at - case.history[0].at == timedelta(hours=1)


def test_refusals_come_in_order_trigger_role_documents_guard(running: Engine) -> None:
    case = running.start("mini", REQUESTER)
    with pytest.raises(UnknownName, match="did you mean 'send'"):
        running.fire(case, "sned", REQUESTER)
    with pytest.raises(TriggerNotAvailable) as not_here:
        running.fire(case, "approve", APPROVER)
    assert not_here.value.available == ("reject", "send")
    with pytest.raises(RoleNotAllowed) as wrong_role:
        running.fire(case, "send", APPROVER)  # role is checked before the missing documents
    assert wrong_role.value.allowed == ("requester",)
    with pytest.raises(DocumentsMissing) as missing:
        running.fire(case, "send", REQUESTER)
    assert missing.value.missing == ("request (not submitted)", "risk (not submitted)")
    case = running.submit(case, "request", {"item": "car", "amount": 50_000}, REQUESTER)
    case = running.fire(case, "send", REQUESTER)
    case = running.submit(case, "decision", {"approve": True}, APPROVER)
    with pytest.raises(GuardFailed, match=r"documents\.risk\.level == 'low'"):
        running.fire(case, "approve", APPROVER)
    assert running.get(case.id).state == "review"


def test_deny_by_default_external_and_unlisted_roles_fire_nothing(running: Engine) -> None:
    case = running.start("mini", REQUESTER)
    for actor in (Actor("v", "vendor"), Actor("x", "nobody_role"), AUDITOR):
        assert not any(option.allowed for option in running.available(case, actor))


def test_available_says_why_not(running: Engine) -> None:
    case = running.start("mini", REQUESTER)
    options = {o.trigger: o for o in running.available(case, REQUESTER)}
    assert not options["send"].allowed
    assert "request (not submitted)" in options["send"].reasons[0]
    assert "may not fire 'reject'" in options["reject"].reasons[0]
    case = running.submit(case, "request", {"item": "pen", "amount": 2}, REQUESTER)
    options = {o.trigger: o for o in running.available(case, REQUESTER)}
    assert options["send"].allowed and options["send"].dest == "review"


def test_a_fresh_requirement_needs_a_new_version_after_looping_back(running: Engine) -> None:
    case = sent(running)
    case = running.submit(case, "decision", {"approve": False, "comment": "too vague"}, APPROVER)
    case = running.fire(case, "send_back", APPROVER)
    case = running.fire(case, "send", REQUESTER)  # the request is still there; no fresh one is needed to send
    with pytest.raises(DocumentsMissing, match="decision \\(a new version since entering 'review'\\)"):
        running.fire(case, "send_back", APPROVER)
    case = running.submit(case, "decision", {"approve": True}, APPROVER)
    assert running.fire(case, "approve", APPROVER).state == "approved"


def test_an_invalid_document_changes_nothing_and_lists_every_error(running: Engine) -> None:
    case = running.start("mini", REQUESTER)
    with pytest.raises(DocumentInvalid) as info:
        running.submit(case, "request", {"amount": -5, "needed_by": "soon", "colour": "red"}, REQUESTER)
    paths = {e.path for e in info.value.errors}
    assert paths == {"$", "$.amount", "$.needed_by"}
    assert any("'item' is a required property" in e.message for e in info.value.errors)
    assert any("'colour' was unexpected" in e.message for e in info.value.errors)
    assert running.get(case.id) == case


def test_only_the_producing_role_may_submit(running: Engine) -> None:
    case = running.start("mini", REQUESTER)
    with pytest.raises(RoleNotAllowed, match="may not submit 'request'"):
        running.submit(case, "request", {"item": "x", "amount": 1}, APPROVER)
    with pytest.raises(Refusal, match="computed by the engine"):
        running.submit(case, "risk", {"over_limit": False, "level": "low"}, REQUESTER)
    with pytest.raises(Refusal, match="publish it instead"):
        running.submit(case, "policy", {"limit": 1}, AUDITOR)


def test_versions_are_kept_and_hashes_identify_content(running: Engine) -> None:
    case = running.start("mini", REQUESTER)
    case = running.submit(case, "request", {"item": "a", "amount": 1}, REQUESTER)
    case = running.submit(case, "request", {"amount": 1, "item": "a"}, REQUESTER)
    case = running.submit(case, "request", {"item": "b", "amount": 1}, REQUESTER)
    versions = case.documents["request"]
    assert [v.version for v in versions] == [1, 2, 3]
    assert versions[0].hash == versions[1].hash != versions[2].hash
    assert len(case.documents["risk"]) == 1  # an unchanged computation adds no version


def test_submitted_data_is_a_private_copy(running: Engine) -> None:
    data = {"item": "a", "amount": 1}
    case = running.submit(running.start("mini", REQUESTER), "request", data, REQUESTER)
    data["item"] = "changed"
    assert case.latest("request").data["item"] == "a"
    assert running.get(case.id).latest("request").data["item"] == "a"


def test_a_stale_case_object_gets_a_conflict_and_nothing_is_written(running: Engine) -> None:
    case = running.start("mini", REQUESTER)
    running.submit(case, "request", {"item": "a", "amount": 1}, REQUESTER)
    with pytest.raises(ConflictError) as info:
        running.submit(case, "request", {"item": "b", "amount": 1}, REQUESTER)
    assert (info.value.expected, info.value.actual) == (1, 3)
    assert running.get(case.id).latest("request").data["item"] == "a"


def test_nothing_happens_in_a_final_state(running: Engine) -> None:
    case = running.submit(sent(running), "decision", {"approve": False}, APPROVER)
    case = running.fire(case, "reject", APPROVER)
    with pytest.raises(CaseClosed):
        running.fire(case, "send", REQUESTER)
    with pytest.raises(CaseClosed):
        running.submit(case, "request", {"item": "a", "amount": 1}, REQUESTER)


def test_computation_waits_for_every_input(engine: Engine, mini) -> None:
    engine.register(mini)  # no policy published yet
    case = engine.submit(engine.start("mini", REQUESTER), "request", {"item": "a", "amount": 1}, REQUESTER)
    assert case.latest("risk") is None
    with pytest.raises(DocumentsMissing, match="risk"):
        engine.fire(case, "send", REQUESTER)


def test_shared_documents_are_versioned_per_process(running: Engine) -> None:
    second = running.publish("mini", "policy", {"limit": 10}, AUDITOR)
    assert second.version == 2
    case = running.submit(running.start("mini", REQUESTER), "request", {"item": "a", "amount": 50}, REQUESTER)
    assert case.latest("risk").data["level"] == "high"
    with pytest.raises(RoleNotAllowed):
        running.publish("mini", "policy", {"limit": 1}, REQUESTER)
    with pytest.raises(Refusal, match="submit it to a case"):
        running.publish("mini", "request", {"item": "a", "amount": 1}, REQUESTER)


def test_hooks_run_after_commit_and_a_failing_hook_corrupts_nothing(running: Engine) -> None:
    seen: list[tuple[str, int, str]] = []
    running.hooks.on("*", lambda event, case: seen.append((event.kind, event.seq, case.state)))

    def broken(event: object, case: object) -> None:
        raise RuntimeError("mail server down")

    running.hooks.on("fired", broken)
    case = sent(running)
    assert seen == [
        ("started", 1, "draft"),
        ("submitted", 2, "draft"),
        ("computed", 3, "draft"),
        ("fired", 4, "review"),
    ]
    assert [f.event.seq for f in running.hooks.failures] == [4]
    assert running.get(case.id).state == "review"


def test_hooks_do_not_run_for_refused_changes(running: Engine) -> None:
    seen: list[int] = []
    running.hooks.on("*", lambda event, case: seen.append(event.seq))
    case = running.start("mini", REQUESTER)
    with pytest.raises(DocumentsMissing):
        running.fire(case, "send", REQUESTER)
    assert seen == [1]


def test_unknown_hook_kind_lists_the_known_ones(running: Engine) -> None:
    with pytest.raises(ValueError, match="known: started, submitted"):
        running.hooks.on("fried", lambda e, c: None)


def test_cases_of_an_old_version_keep_running_under_it(running: Engine, mini, mini_copy) -> None:
    old_case = running.start("mini", REQUESTER)
    path = mini_copy("title: Draft\n", "title: Draft request\n")
    new = running.register(load(path))
    assert new.content_hash != mini.content_hash
    assert running.start("mini", REQUESTER).definition_hash == new.content_hash
    assert running.get(old_case.id).definition_hash == mini.content_hash
    assert running.definition("mini", mini.content_hash).states["draft"].title.get() == "Draft"
    assert running.definition("mini").states["draft"].title.get() == "Draft request"


def test_a_transition_that_names_no_roles_may_be_fired_by_nobody(engine: Engine, mini_copy) -> None:
    """Deny by default: with no roles on 'reject', every role is refused, even the one that could fire it before."""
    path = mini_copy("    to: rejected\n    roles: [approver]\n", "    to: rejected\n")
    engine.register(load(path))
    engine.publish("mini", "policy", {"limit": 1000}, AUDITOR)
    case = engine.start("mini", REQUESTER)
    outsiders = (Actor("v", "vendor"), Actor("x", "anyone"))
    seat(engine, *outsiders)  # people who hold their role: the move is still refused to them
    for actor in (REQUESTER, APPROVER, AUDITOR, *outsiders):
        with pytest.raises(RoleNotAllowed) as info:
            engine.fire(case, "reject", actor)
        assert info.value.allowed == ()
        assert "nobody (the process names no role for it)" in info.value.message
        [option] = [o for o in engine.available(case, actor) if o.trigger == "reject"]
        assert not option.allowed
    assert engine.get(case.id).state == "draft" and engine.get(case.id).version == case.version
