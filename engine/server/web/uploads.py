"""A posted page form as text fields and uploaded files: url-encoded, or multipart/form-data when it has a file.

Multipart bodies are parsed with the standard library's MIME parser (no extra dependency for one form field
type), after `read_body` has bounded their size; the number of parts is bounded too. The upload's bytes are
judged by `procflow.server.attachments` (type sniffed, size per field), exactly as the API's upload.
"""

from __future__ import annotations

from dataclasses import dataclass
from email import message_from_bytes
from email.policy import HTTP
from urllib.parse import parse_qsl

from ..problems import ApiProblem

MAX_PARTS = 1000  # a form with more fields than this is not one of ours
FILE_PREFIX = "file:"  # a file input's name: file:<the field's JSON path>


@dataclass(frozen=True)
class Upload:
    filename: str
    content_type: str
    content: bytes


def is_multipart(content_type: str) -> bool:
    return content_type.split(";")[0].strip().lower() == "multipart/form-data"


def parse(content_type: str, body: bytes) -> tuple[dict[str, str], dict[str, Upload]]:
    """The text fields and the non-empty uploads (by input name) of a posted form."""
    if not is_multipart(content_type):
        return dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)), {}
    message = message_from_bytes(f"Content-Type: {content_type}\r\n\r\n".encode("latin-1") + body, policy=HTTP)
    if not message.is_multipart():
        raise ApiProblem(400, "the form's body is not the multipart/form-data it says it is")
    fields: dict[str, str] = {}
    files: dict[str, Upload] = {}
    for count, part in enumerate(message.iter_parts()):
        if count >= MAX_PARTS:
            raise ApiProblem(413, f"the form has more than {MAX_PARTS} fields")
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        content = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        if filename is not None:
            if content:
                files[name] = Upload(filename, part.get_content_type(), content)
        else:
            fields[name] = content.decode(part.get_content_charset() or "utf-8", "replace")
    return fields, files
