"""procflow: run declarative YAML processes on `transitions`, with validated documents.

from procflow import Actor, Engine, load, open_store

definition = load("processes/sales.yaml")
engine = Engine(open_store("sqlite:///procflow.db"))
engine.register(definition)
case = engine.start("sales", Actor("li", "bd_specialist"))
case = engine.submit(case, "lead_record", {...}, Actor("li", "bd_specialist"))
case = engine.fire(case, "qualify", Actor("li", "bd_specialist"))
"""

__version__ = "0.1.0"

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .clock import Clock, FixedClock, SystemClock
    from .definition.loader import check, load
    from .definition.model import ProcessDefinition
    from .errors import (
        AlreadySigned,
        CaseClosed,
        CaseNotFound,
        ConflictError,
        DefinitionError,
        DocumentInvalid,
        DocumentsMissing,
        DutiesNotSeparated,
        ExpressionError,
        GuardFailed,
        InputError,
        Problem,
        ProcflowError,
        Refusal,
        RegionsNotDone,
        RenderError,
        RoleNotAllowed,
        RoundClosed,
        SignoffRefused,
        StoreError,
        TriggerNotAvailable,
        UnknownName,
    )
    from .records import Actor, Case, DocumentVersion, Event
    from .runtime.engine import Engine, retrying
    from .runtime.hooks import Hooks
    from .runtime.policy import Option
    from .store import Store, open_store

# The public names are imported when first used, so `import procflow` (and so the command line, e.g. `--version`)
# pays only for what it touches.
_WHERE = {
    "Clock": ".clock",
    "FixedClock": ".clock",
    "SystemClock": ".clock",
    "check": ".definition.loader",
    "load": ".definition.loader",
    "ProcessDefinition": ".definition.model",
    "AlreadySigned": ".errors",
    "CaseClosed": ".errors",
    "CaseNotFound": ".errors",
    "ConflictError": ".errors",
    "DefinitionError": ".errors",
    "DocumentInvalid": ".errors",
    "DocumentsMissing": ".errors",
    "DutiesNotSeparated": ".errors",
    "ExpressionError": ".errors",
    "GuardFailed": ".errors",
    "InputError": ".errors",
    "Problem": ".errors",
    "ProcflowError": ".errors",
    "Refusal": ".errors",
    "RegionsNotDone": ".errors",
    "RenderError": ".errors",
    "RoleNotAllowed": ".errors",
    "RoundClosed": ".errors",
    "SignoffRefused": ".errors",
    "StoreError": ".errors",
    "TriggerNotAvailable": ".errors",
    "UnknownName": ".errors",
    "Actor": ".records",
    "Case": ".records",
    "DocumentVersion": ".records",
    "Event": ".records",
    "Engine": ".runtime.engine",
    "retrying": ".runtime.engine",
    "Hooks": ".runtime.hooks",
    "Option": ".runtime.policy",
    "Store": ".store",
    "open_store": ".store",
}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name], __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "Actor",
    "AlreadySigned",
    "Case",
    "CaseClosed",
    "CaseNotFound",
    "Clock",
    "ConflictError",
    "DefinitionError",
    "DocumentInvalid",
    "DocumentVersion",
    "DocumentsMissing",
    "DutiesNotSeparated",
    "Engine",
    "Event",
    "ExpressionError",
    "FixedClock",
    "GuardFailed",
    "Hooks",
    "InputError",
    "Option",
    "Problem",
    "ProcessDefinition",
    "ProcflowError",
    "Refusal",
    "RegionsNotDone",
    "RenderError",
    "RoleNotAllowed",
    "RoundClosed",
    "SignoffRefused",
    "Store",
    "StoreError",
    "SystemClock",
    "TriggerNotAvailable",
    "UnknownName",
    "check",
    "load",
    "open_store",
    "retrying",
]
