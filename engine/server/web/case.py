"""The case page and its writes: start, submit a document from its form, fire a move.

Every write calls the library with the actor `acting.actor_for` gives, so the refusals are the engine's own;
a refused document comes back as the same page with the errors at their fields and the values kept.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

from starlette.responses import Response

from ...definition.model import DocumentSpec, ProcessDefinition
from ...errors import DocumentInvalid, ProcflowError, UnknownName
from ...narration import event_sentence
from ...presentation import describe_obligation, status_word
from ...records import Actor, Case
from .. import acting, attachments
from ..problems import ApiProblem, status_of
from . import forms, uploads, work
from .common import DOCUMENT_CSP, PREFIX, Web, redirect


def visible_case(web: Web) -> Case:
    """The case the path names; one the person may not see is a 404, as a missing one."""
    case = web.engine.get(str(web.request.path_params["case"]))
    if not acting.may_see(web.engine, web.person, case):
        raise ApiProblem(404, f"no case {case.id!r} in the store")
    return case


def _role(web: Web, definition: ProcessDefinition, case: Case) -> str:
    """The role the page is shown for: the one the person picked in the select (`?role=` or the form's `role`),
    which the engine checks against their grants when they act; else the state's owner if they hold it, else
    the first role of the process they hold."""
    asked = web.form.get("role") or web.request.query_params.get("role") or ""
    if asked and asked not in definition.roles:
        raise UnknownName("role", asked, sorted(definition.roles))
    held = acting.roles_held(web.engine, web.person, definition)
    owner = definition.states[case.state].owner
    if asked:
        return asked
    if owner in held or not held:
        return owner or next(iter(definition.roles))
    return held[0]


def _relevant(definition: ProcessDefinition, case: Case) -> list[str]:
    """Documents the case's state asks for (its own and its moves' requirements), then those it already has."""
    state = definition.states[case.state]
    wanted = [r.document for r in state.requires]
    for transition in definition.transitions:
        if case.state in transition.sources:
            wanted += [r.document for r in transition.requires]
    wanted += list(case.documents)
    return list(dict.fromkeys(wanted))


def _forms(
    web: Web, definition: ProcessDefinition, case: Case, role: str, kept: Mapping[str, tuple[Any, Any]]
) -> list[dict[str, Any]]:
    """A form per document `role` may submit in this state, prefilled from the latest version (or kept input)."""
    zone = web.zone
    shown = []
    for name in _relevant(definition, case):
        spec = definition.documents.get(name)
        if spec is None or spec.shared or spec.computed is not None or role not in spec.produced_by:
            continue
        latest = case.latest(name)
        value, errors = kept.get(name, (latest.data if latest else None, {}))
        root = forms.build(forms.inlined(definition.schemas, spec.schema_file), value, errors, zone)
        shown.append(
            {
                "id": name,
                "title": spec.title.get(web.lang),
                "field": root,
                "top": forms.unplaced(errors, root),
                "files": next(attachments.attachment_fields(spec), None) is not None,
            }
        )
    return shown


def show(web: Web, kept: Mapping[str, tuple[Any, Any]] | None = None, message: str = "", status: int = 200) -> Response:
    case = visible_case(web)
    engine = web.engine
    definition = engine.definition(case.process_id, case.definition_hash)
    zone, now, role = web.zone, engine.clock.now(), _role(web, definition, case)
    here = definition.stage_of(case.state).id
    options = engine.available(case, acting.actor_for(web.person, definition, role))
    rounds_here = any(definition.states[s].signoff for s in (*case.leaves, case.state))
    signing = engine.available(case, Actor(web.person, None)) if rounds_here else []  # the engine picks the signer role
    return web.page(
        "case.html",
        status,
        case=case,
        process_title=definition.title.get(web.lang),
        state_title=definition.states[case.state].title.get(web.lang),
        stages=[(s.id, s.title.get(web.lang), s.id == here) for s in definition.stages],
        deadlines=[
            {**shown, "status_word": status_word(shown["status"], web.lang)}
            for shown in (describe_obligation(o, now, zone, web.lang) for o in engine.deadlines(case, now))
        ],
        timeline=[
            (
                e.at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
                work.display_name(web, e.actor),
                event_sentence(e, definition, web.lang),
            )
            for e in case.history
        ],
        zone=str(zone),
        documents=[(name, [v.version for v in versions]) for name, versions in case.documents.items()],
        forms=_forms(web, definition, case, role, kept or {}),
        options=[o for o in options if o.kind != "sign"],
        rounds=work.rounds(web, definition, case, signing),
        work=work.panel(web, case),
        role=role,
        roles=acting.roles_held(engine, web.person, definition) or sorted(definition.roles),
        message=message,
    )


def _back(case: Case, role: str) -> Response:
    return redirect(f"{PREFIX}/cases/{quote(case.id)}?role={quote(role)}")


def submit(web: Web) -> Response:
    case = visible_case(web)
    definition = web.engine.definition(case.process_id, case.definition_hash)
    name = str(web.request.path_params["document"])
    spec = definition.documents.get(name)
    if spec is None:
        raise ApiProblem(404, f"process {definition.id} has no document {name!r}")
    role = _role(web, definition, case)
    form, problems = _with_uploads(web, spec)
    data = forms.parse(forms.inlined(definition.schemas, spec.schema_file), form, web.zone)
    try:
        attachments.check_references(web.context.files, spec, data)  # a reference typed, not uploaded
    except ApiProblem as refused:
        problems.setdefault("$", []).append(refused.message)
    if problems:  # a file the field does not take: nothing is submitted, the rest as typed
        return show(web, {name: (data, problems)}, "", 422)
    try:
        web.engine.submit(case, name, data, acting.actor_for(web.person, definition, role))
    except DocumentInvalid as invalid:
        return show(web, {name: (data, forms.errors_by_path(invalid.errors))}, "", 422)
    except ProcflowError as refused:
        return show(web, message=refused.message, status=status_of(refused))
    return _back(case, role)


def _with_uploads(web: Web, spec: DocumentSpec) -> tuple[dict[str, str], dict[str, list[str]]]:
    """The form with each uploaded file stored (the attachment backend, as the API's upload) and its field set
    to the file's `sha256:` reference; and the refusals of files a field does not take, by the field's path."""
    form, problems = dict(web.form), {}
    now = web.engine.clock.now()
    for rule in attachments.attachment_fields(spec):
        path = f"$.{rule.field}"
        upload = web.files.get(uploads.FILE_PREFIX + path)
        if upload is None:
            continue
        try:
            record = attachments.accept(rule, upload.content, upload.content_type, now)
        except ApiProblem as refused:
            problems[path] = [refused.message]
            continue
        web.context.files.put(record, upload.content)
        form[path] = f"sha256:{record.sha256}"
    return form, problems


def attachment(web: Web) -> Response:
    """A file one of the case's documents names, for a person who may see the case (else 404, as the API)."""
    case, sha256 = visible_case(web), str(web.request.path_params["sha256"])
    found = web.context.files.get(sha256) if attachments.named_by(case, sha256) else None
    if found is None:
        raise ApiProblem(404, f"case {case.id} has no attachment {sha256[:12]}")
    record, content = found
    headers = {"Content-Disposition": f'attachment; filename="{sha256[:12]}"', "X-Content-Type-Options": "nosniff"}
    return Response(content, media_type=record.media_type, headers=headers)


def fire(web: Web) -> Response:
    case = visible_case(web)
    definition = web.engine.definition(case.process_id, case.definition_hash)
    role = _role(web, definition, case)
    try:
        web.engine.fire(case, web.form.get("trigger", ""), acting.actor_for(web.person, definition, role))
    except ProcflowError as refused:
        return show(web, message=refused.message, status=status_of(refused))
    return _back(case, role)


def sign(web: Web) -> Response:
    return _acted(web, work.sign)


def people_op(web: Web) -> Response:
    return _acted(web, work.people_op)


def _acted(web: Web, doing: Callable[[Web, Case], None]) -> Response:
    """Do a sign-off or people verb on the visible case; a refusal is the case page saying it."""
    case = visible_case(web)
    try:
        doing(web, case)
    except ProcflowError as refused:
        return show(web, message=refused.message, status=status_of(refused))
    return work.back(web, case)


def start(web: Web) -> Response:
    definition = web.engine.definition(str(web.request.path_params["process"]))
    role = web.form.get("role", "")
    case = web.engine.start(definition.id, acting.actor_for(web.person, definition, role))
    return _back(case, role)


def document_view(web: Web) -> Response:
    """A document version rendered to HTML by its template, as its own page (the engine escapes the data)."""
    case = visible_case(web)
    version = web.request.query_params.get("version", "")
    html = web.engine.render(
        case,
        str(web.request.path_params["document"]),
        format="html",
        version=int(version) if version.isdigit() else None,
        lang=web.lang,
    )
    return Response(
        html,
        media_type="text/html",
        headers={"Content-Security-Policy": DOCUMENT_CSP},
    )
