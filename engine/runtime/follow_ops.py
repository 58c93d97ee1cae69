"""The engine's following verbs: follow and unfollow a case, and who follows it.

A mixin of `Engine`. Following is a person's own choice about what they hear, not a move of the case: it
writes no event (the history stays the record of the work) but a row in the store (`Store.set_following`).
Only a case the person may see can be followed — the same visibility every other face asks — so following
never reveals a case; to anyone else the case is not found.
"""

from __future__ import annotations

from ..people import following
from ..people.roles import active_person
from ..records import Case
from .parts import EngineParts


class FollowOps(EngineParts):
    def get(self, case_id: str, *, viewer: str | None = None) -> Case:
        raise NotImplementedError

    def follow(self, case: Case | str, person: str) -> list[str]:
        """`person` hears of every move of the case from now on; the followers after the change."""
        return self._choose(case, person, True)

    def unfollow(self, case: Case | str, person: str) -> list[str]:
        """`person` no longer hears of the case's moves (even as its starter or assignee); the followers after."""
        return self._choose(case, person, False)

    def followers(self, case: Case | str, *, viewer: str | None = None) -> list[str]:
        """Who hears of the case's moves, by id (`procflow.people.following`); for a `viewer`, only a case they see."""
        current = self.get(case if isinstance(case, str) else case.id, viewer=viewer)
        return following.followers(current, self.store.following(current.id))

    def _choose(self, case: Case | str, person: str, choice: bool) -> list[str]:
        active_person(self.directory.roster(), person, self.clock.now())  # a person of the team, still in it
        current = self.get(case if isinstance(case, str) else case.id, viewer=person)  # not seen: not found
        self.store.set_following(current.id, person, choice, self.clock.now())
        return following.followers(current, self.store.following(current.id))
