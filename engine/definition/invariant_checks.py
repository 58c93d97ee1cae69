"""Load-time checks of `invariants:`: each end of a no-single-person rule names a state, stage or position.

What an invariant promises is proved elsewhere (`procflow authority`, engine/evidence/authority.py, walks the
paths a person could take alone); here it is only made sure that the rule says something about this process.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..suggest import did_you_mean
from .check_context import Context, Finding


def invariant_checks(c: Context) -> Iterator[Finding]:
    d = c.definition
    known = set(d.states) | {s.id for s in d.stages} | {p.id for p in d.pipeline}
    for i, rule in enumerate(d.invariants):
        for key, end in (("from", rule.start), ("to", rule.end)):
            if end not in known:
                yield Finding(
                    ("invariants", i, "no_single_person", key),
                    f"invariant {rule.id!r}: {end!r} names no state, stage or pipeline position"
                    + did_you_mean(end, sorted(known)),
                )
