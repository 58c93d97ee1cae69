"""The fold of events into a case: who took each step, in the order they last took it."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from procflow.fold import replay
from procflow.records import Event

AT = datetime(2026, 3, 2, tzinfo=UTC)


@given(st.lists(st.tuples(st.sampled_from(["li", "wang", "zhao"]), st.sampled_from(["go", "back"])), max_size=12))
def test_doers_list_each_person_once_in_the_order_they_last_took_the_step(moves: list[tuple[str, str]]) -> None:
    events = [Event("c-1", 1, "started", AT, "li", "r", "d" * 64, dest="a", data={"process_id": "p"})]
    for seq, (person, trigger) in enumerate(moves, start=2):
        events.append(Event("c-1", seq, "fired", AT, person, "r", "d" * 64, trigger=trigger, source="a", dest="a"))
    case = replay(events)
    for trigger in ("go", "back"):
        took = [person for person, t in moves if t == trigger]
        last_first = list(dict.fromkeys(reversed(took)))
        assert case.doers.get(f"fire:{trigger}", ()) == tuple(reversed(last_first))
    assert case.doers["start"] == ("li",)
