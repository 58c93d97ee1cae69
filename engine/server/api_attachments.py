"""Uploading a file for a document field, and reading it back — only for people who may see the case, and only
a file one of the case's documents names."""

from __future__ import annotations

from starlette.responses import Response

from . import attachments
from .endpoint import Call, Endpoint, json_response
from .problems import ApiProblem


def upload(call: Call) -> Response:
    case = call.case()
    definition = call.engine.definition(case.process_id, case.definition_hash)
    spec = definition.documents.get(call.path("document"))
    if spec is None:
        raise ApiProblem(404, f"process {definition.id!r} has no document {call.path('document')!r}")
    rule = attachments.rule_for(spec, call.path("field"))
    record = attachments.accept(rule, call.body, call.request.headers.get("content-type"), call.engine.clock.now())
    call.context.files.put(record, call.body)
    body = {"ref": f"sha256:{record.sha256}", "media_type": record.media_type, "size": record.size}
    return json_response(body, 201, {"Location": f"/api/cases/{case.id}/attachments/{record.sha256}"})


def download(call: Call) -> Response:
    case, sha256 = call.case(), call.path("sha256")
    found = call.context.files.get(sha256) if attachments.named_by(case, sha256) else None
    if found is None:  # the same answer for a file that exists elsewhere: no probing by hash
        raise ApiProblem(404, f"case {case.id} has no attachment {sha256[:12]}")
    record, content = found
    headers = {
        "Content-Disposition": f'attachment; filename="{sha256[:12]}"',
        "X-Content-Type-Options": "nosniff",
        "ETag": f'"{sha256}"',
    }
    return Response(content, media_type=record.media_type, headers=headers)


ENDPOINTS = (
    Endpoint(
        "POST",
        "/api/cases/{case}/documents/{document}/attachments/{field}",
        upload,
        "Upload a file for a document field (its type is sniffed)",
        "attachments",
        "write",
        upload=True,
        responses={201: "stored: submit its ref in the document"},
    ),
    Endpoint(
        "GET",
        "/api/cases/{case}/attachments/{sha256}",
        download,
        "A file one of the case's documents names",
        "attachments",
    ),
)
