"""procflow: run declarative YAML processes on `transitions`, with validated documents.

from engine import Actor, Engine, load, open_store

definition = load("processes/sales.yaml")
engine = Engine(open_store("sqlite:///procflow.db"))
engine.register(definition)
case = engine.start("sales", Actor("li", "bd_specialist"))
case = engine.submit(case, "lead_record", {...}, Actor("li", "bd_specialist"))
case = engine.fire(case, "qualify", Actor("li", "bd_specialist"))
"""

from engine.clock import Clock, FixedClock, SystemClock
from engine.definition.loader import check, load
from engine.definition.model import ProcessDefinition
from engine.errors import (
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
from engine.records import Actor, Case, DocumentVersion, Event
from engine.runtime.engine import Engine, retrying
from engine.runtime.hooks import Hooks
from engine.runtime.policy import Option
from engine.store import Store, open_store

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
