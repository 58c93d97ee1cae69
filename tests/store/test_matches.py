"""The match-key index over every store kind: written with the commit, replaced by the next, found by value;
a backfill never overwrites a key a commit wrote."""

from __future__ import annotations

from procflow import Engine
from procflow.store import Store
from procflow.store.matches import MatchKey
from tests.conftest import REQUESTER

KEY = "documents.signed_contract.contract_no"


def test_keys_are_written_with_the_commit_and_replaced_by_the_next(running: Engine, store: Store) -> None:
    first = running.start("mini", REQUESTER)
    second = running.start("mini", REQUESTER)
    store.commit(first, [], keys=[MatchKey(first.id, "mini", KEY, '"HT-1"')])
    store.commit(second, [], keys=[MatchKey(second.id, "mini", KEY, '"HT-1"')])
    assert store.matching("mini", KEY, '"HT-1"') == sorted([first.id, second.id])
    assert store.matching("other", KEY, '"HT-1"') == [] and store.matching("mini", KEY, "1") == []
    store.commit(first, [], keys=[MatchKey(first.id, "mini", KEY, '"HT-2"')])
    assert store.matching("mini", KEY, '"HT-1"') == [second.id] and store.matching("mini", KEY, '"HT-2"') == [first.id]
    store.commit(second, [])  # keys=None: left alone
    assert store.matching("mini", KEY, '"HT-1"') == [second.id]
    store.commit(second, [], keys=[])  # ended: none
    assert store.matching("mini", KEY, '"HT-1"') == []


def test_a_backfill_keeps_what_a_commit_wrote(running: Engine, store: Store) -> None:
    case = running.start("mini", REQUESTER)
    store.commit(case, [], keys=[MatchKey(case.id, "mini", KEY, '"new"')])
    store.backfill_match_keys([MatchKey(case.id, "mini", KEY, '"old"')])
    assert store.matching("mini", KEY, '"new"') == [case.id] and store.matching("mini", KEY, '"old"') == []
    assert not store.match_backfill_pending()
