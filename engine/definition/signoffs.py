"""Load-time checks for sign-off rounds and the separation rules that name verdicts.

A round's signers are team roles of the process; a quorum lies between 1 and the number of signers; the
moves a round decides leave its state; and a rule on `approve:`, `reject:` or `sign:` names a state that
takes sign-offs. Each problem is located where it is written, with what to write instead.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..suggest import did_you_mean
from .model import ProcessDefinition
from .regions import Found, state_path


def signoff_problems(d: ProcessDefinition) -> Iterator[Found]:
    for state in d.states.values():
        rule = state.signoff
        if rule is None:
            continue
        base = (*state_path(d, state.id), "signoff")
        for i, role in enumerate(rule.signers):
            if role not in d.roles:
                yield Found(
                    (*base, "signers", i), f"signer {role!r} is not a role of the process{did_you_mean(role, d.roles)}"
                )
            elif d.roles[role].external:
                yield Found(
                    (*base, "signers", i),
                    f"role {role!r} is external and cannot sign in the system; let a team role sign",
                )
        if rule.mode == "quorum" and rule.quorum is None:
            yield Found(
                base, f"mode: quorum needs 'quorum: N', the approvals that decide (1 to {len(rule.signers)})", True
            )
        elif rule.mode == "quorum" and not 1 <= (rule.quorum or 0) <= len(rule.signers):
            yield Found(
                (*base, "quorum"),
                f"a quorum of {rule.quorum} cannot be reached with {len(rule.signers)} signer(s); "
                f"write a number from 1 to {len(rule.signers)}",
            )
        if rule.mode != "quorum" and rule.quorum is not None:
            yield Found((*base, "quorum"), f"'quorum' applies only to mode: quorum (this round is {rule.mode!r})", True)
        for key, trigger in (("on_approve", rule.on_approve), ("on_reject", rule.on_reject)):
            if trigger is not None and not any(t.trigger == trigger and state.id in t.sources for t in d.transitions):
                yield Found(
                    (*base, key), f"{key} names {trigger!r}, which does not leave {state.id!r}; name a move from it"
                )
    for i, duty in enumerate(d.separation):
        for key, action in (("did", duty.did), ("may_not", duty.may_not)):
            if action.kind not in ("approve", "reject", "sign"):
                continue
            if action.name not in d.states:
                yield Found(
                    ("separation", i, key), f"unknown state {action.name!r}{did_you_mean(action.name, d.states)}"
                )
            elif d.states[action.name].signoff is None:
                yield Found(
                    ("separation", i, key),
                    f"{action.kind}:{action.name} names a verdict, but {action.name!r} takes no sign-offs; "
                    "add a signoff to it or name a submit: or fire: step",
                )
