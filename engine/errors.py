"""The exception tree: every error procflow raises is a `ProcflowError`.

Errors are data: each carries the fields a caller needs to act on it (the
trigger, the missing documents, the file location) and a human message. Each
class owns the exit code the CLI uses for it, so the CLI never guesses.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


class ProcflowError(Exception):
    """Root of every procflow error."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message

    def details(self) -> dict[str, Any]:
        """The error's data fields (the trigger, the allowed roles, each invalid field's JSON path…) as plain JSON
        values, so another face (the HTTP API's problem documents) carries exactly what the exception does."""
        return {name: _plain(value) for name, value in vars(self).items() if name != "message" and name[0] != "_"}


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value if value is None or isinstance(value, (str, int, float, bool)) else str(value)


# --- definition errors: what a process file says is wrong -------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or suspicious) in a process file, with where it is."""

    file: str
    line: int
    column: int
    message: str
    path: str = ""
    severity: str = "error"  # "error" or "warning"

    def __str__(self) -> str:
        where = f" (at {self.path})" if self.path else ""
        return f"{self.file}:{self.line}:{self.column}: {self.severity}: {self.message}{where}"


class DefinitionError(ProcflowError):
    """A process file (or one of its schemas or templates) cannot be used."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        errors = [p for p in self.problems if p.severity == "error"]
        super().__init__("\n".join(str(p) for p in errors) or "invalid process definition")


# --- input errors: files and data given on the command line or to submit ------------------


class InputError(ProcflowError):
    """Data handed to the engine cannot be read (bad JSON/YAML, missing file)."""

    exit_code = 2


class UnreadableFile(InputError):
    """A file named by the user is missing, not a regular file, or larger than allowed."""

    def __init__(self, name: str, reason: str) -> None:
        self.name, self.reason = name, reason
        super().__init__(f"{name}: cannot read the file: {reason}")


class UsageError(ProcflowError):
    """The command line is wrong."""

    exit_code = 2


# --- runtime refusals: the process says no ------------------------------------------------


class Refusal(ProcflowError):
    """The engine refused an action because the process does not allow it now."""

    exit_code = 3


class UnknownName(Refusal):
    """A trigger, document, process or case id that does not exist."""

    def __init__(self, kind: str, name: str, known: Sequence[str]) -> None:
        from .suggest import did_you_mean

        self.kind, self.name, self.known = kind, name, tuple(known)
        super().__init__(f"unknown {kind} {name!r}{did_you_mean(name, known)}")


class TriggerNotAvailable(Refusal):
    def __init__(self, trigger: str, state: str, available: Sequence[str]) -> None:
        self.trigger, self.state, self.available = trigger, state, tuple(available)
        options = ", ".join(available) or "none: it is a final state"
        super().__init__(f"{trigger!r} cannot be fired from state {state!r} (possible there: {options})")


class RoleNotAllowed(Refusal):
    def __init__(self, action: str, role: str, allowed: Sequence[str]) -> None:
        self.action, self.role, self.allowed = action, role, tuple(allowed)
        who = ", ".join(allowed) if allowed else "nobody (the process names no role for it)"
        super().__init__(f"role {role!r} may not {action}; allowed: {who}")


class DocumentsMissing(Refusal):
    def __init__(self, trigger: str, missing: Sequence[str]) -> None:
        self.trigger, self.missing = trigger, tuple(missing)
        super().__init__(f"{trigger!r} needs documents first: {'; '.join(missing)}")


class GuardFailed(Refusal):
    def __init__(self, trigger: str, guard: str, values: Sequence[str] = ()) -> None:
        self.trigger, self.guard, self.values = trigger, guard, tuple(values)
        why = f" ({'; '.join(self.values)})" if self.values else ""
        super().__init__(f"{trigger!r} is not allowed now: its condition does not hold: {guard}{why}")


class RegionsNotDone(Refusal):
    """A move out of a state with regions waits until the regions it joins are done (or it interrupts)."""

    def __init__(self, trigger: str, state: str, waiting: Sequence[str]) -> None:
        self.trigger, self.state, self.waiting = trigger, state, tuple(waiting)
        super().__init__(
            f"{trigger!r} leaves {state!r} only when its regions are done; still working: {', '.join(waiting)}"
        )


class SignoffRefused(Refusal):
    """A sign-off (or a change of signers) the round does not allow now; `reason` names which rule."""

    def __init__(self, state: str, reason: str, message: str) -> None:
        self.state, self.reason = state, reason
        super().__init__(message)


class AlreadySigned(SignoffRefused):
    def __init__(self, state: str, user: str) -> None:
        self.user = user
        super().__init__(state, "already_signed", f"{user} has already signed the {state!r} round; one sign-off each")


class RoundClosed(SignoffRefused):
    def __init__(self, state: str, outcome: str) -> None:
        self.outcome = outcome
        super().__init__(state, "closed", f"the {state!r} sign-off round is over ({outcome}); nothing more to sign")


@dataclass(frozen=True)
class FieldError:
    """One reason a document's data is invalid, at a JSON path."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class DocumentInvalid(Refusal):
    def __init__(self, document: str, errors: Sequence[FieldError]) -> None:
        self.document, self.errors = document, tuple(errors)
        lines = "\n".join(f"  {e}" for e in self.errors)
        super().__init__(f"document {document!r} is invalid ({len(self.errors)} problem(s)):\n{lines}")


class DutiesNotSeparated(Refusal):
    """The same person may not do both steps of a separation-of-duties rule on one case."""

    def __init__(self, user: str, action: str, rule: str, earlier: str) -> None:
        self.user, self.action, self.rule = user, action, rule
        super().__init__(f"{user} may not {action} on this case: they already did {earlier} (rule {rule!r})")


class CaseClosed(Refusal):
    def __init__(self, case_id: str, state: str) -> None:
        self.case_id, self.state = case_id, state
        super().__init__(f"case {case_id} is in final state {state!r}; nothing more can be done")


# --- evaluation errors: a guard, computation or template failed while running --------------


class ExpressionError(ProcflowError):
    """A guard or computed field could not be evaluated (missing field, forbidden operation)."""

    def __init__(self, expression: str, reason: str) -> None:
        self.expression, self.reason = expression, reason
        super().__init__(f"cannot evaluate {expression!r}: {reason}")


class RenderError(ProcflowError):
    """A document template failed to render."""


# --- storage errors ---------------------------------------------------------------------


class StoreError(ProcflowError):
    """The store cannot be opened or written."""

    exit_code = 4


class CaseNotFound(StoreError):
    def __init__(self, case_id: str) -> None:
        self.case_id = case_id
        super().__init__(f"no case {case_id!r} in the store")


class ProcessNotFound(StoreError):
    """A process id the store holds no definition for: the caller named it wrong, the store is not broken."""

    def __init__(self, process_id: str) -> None:
        self.process_id = process_id
        super().__init__(f"process {process_id!r} is not registered in the store; load its YAML file first")


class ConflictError(StoreError):
    """Another writer changed the case since it was read (optimistic concurrency)."""

    def __init__(self, case_id: str, expected: int, actual: int | None) -> None:
        self.case_id, self.expected, self.actual = case_id, expected, actual
        super().__init__(
            f"case {case_id} was changed by someone else (expected version {expected}, found {actual}); "
            "reload it and try again"
        )


class CaseExists(ConflictError):
    """A new case was given the id of a case the store already has."""

    def __init__(self, case_id: str) -> None:  # a ConflictError at version 0, in words that say what happened
        self.case_id, self.expected, self.actual = case_id, 0, None
        StoreError.__init__(self, f"case {case_id} already exists in this store; choose another id or leave it out")


# --- people: who acts, and what the directory says they hold ------------------------------


class UnknownPerson(Refusal):
    """The actor is not a person of the directory (or has left)."""

    def __init__(self, person: str, known: Sequence[str], reason: str = "") -> None:
        from .suggest import did_you_mean

        self.person = person
        detail = reason or f"no person {person!r} in the team directory{did_you_mean(person, known)}"
        super().__init__(f"{detail}; add them with 'procflow team add {person} …'" if not reason else detail)


class RoleNotHeld(Refusal):
    """The person holds no grant (nor cover) for the role the action needs, at the instant of the action."""

    def __init__(self, person: str, action: str, needed: Sequence[str], process: str, detail: str = "") -> None:
        self.person, self.action, self.needed, self.process = person, action, tuple(needed), process
        roles = " or ".join(repr(r) for r in needed) or "a role the process names (it names none)"
        missing = f"missing grant: {person} as {roles} for {process!r}"
        super().__init__(f"{person} may not {action}: {missing}" + (f" ({detail})" if detail else ""))


class DirectoryRefused(Refusal):
    """A change to the team directory that is not allowed or makes no sense (nothing was written)."""


@dataclass(frozen=True)
class RowProblem:
    row: int  # 1-based data row (CSV: after the header; YAML: list position)
    column: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column!r}: {self.message}"


class TeamFileInvalid(InputError):
    """A team file has bad rows: every one is named, and nothing was imported."""

    def __init__(self, file: str, problems: Sequence[RowProblem]) -> None:
        self.file, self.problems = file, tuple(problems)
        lines = "\n".join(f"  {file}: {p}" for p in self.problems)
        super().__init__(f"{file}: {len(self.problems)} problem(s); nothing was imported:\n{lines}")


class SettingsInvalid(InputError):
    """A person's settings that cannot be kept: each problem under the setting it belongs to; nothing was kept."""

    def __init__(self, problems: Mapping[str, str]) -> None:
        self.problems = dict(problems)
        super().__init__("; ".join(f"{key}: {message}" for key, message in self.problems.items()))
