#!/usr/bin/env python3
"""An auditor's own check of a procflow evidence pack, independent of procflow.

Needs only Python 3.11+, `pip install cryptography rfc8785`. Usage:

    python verify_bundle.py case.zip signer.key.pub

It follows docs/audit.md ("Evidence packs"): manifest, event chain, document and definition hashes, the
signature on the covering checkpoint (through any key handovers) and the case's head in it. It trusts
nothing in the pack but the public key you give it. (It does not guard against zip bombs: open packs
from strangers with `procflow verify-bundle`, which does.)
"""

import base64
import hashlib
import json
import sys
import zipfile

import rfc8785
from cryptography.hazmat.primitives.serialization import load_pem_public_key

FIELDS = [
    "case_id",
    "seq",
    "kind",
    "at",
    "actor",
    "role",
    "definition_hash",
    "trigger",
    "source",
    "dest",
    "document",
    "document_version",
    "document_hash",
    "data",
    "prev_hash",
]


def sha(data):
    return hashlib.sha256(data).hexdigest()


def canonical(value, scheme):
    if scheme == 1:  # events sealed before RFC 8785
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    return rfc8785.dumps(value)


def key_id(key):
    return sha(key.public_bytes_raw())[:16]


def check_signed(text, signature, trust):
    body = json.loads(text)
    signer = load_pem_public_key(body["signer"].encode())
    if key_id(signer) not in trust:
        sys.exit(f"BAD: signed by key {key_id(signer)}, which you do not trust")
    trust[key_id(signer)].verify(base64.b64decode(signature), text)  # raises InvalidSignature
    if body.get("next_key"):
        successor = load_pem_public_key(body["next_key"].encode())
        return body, {key_id(successor): successor}
    return body, trust


def main(pack, public_key_file):
    with zipfile.ZipFile(pack) as archive:
        files = {n: archive.read(n) for n in archive.namelist()}
    manifest = json.loads(files.pop("manifest.json"))
    if set(files) != set(manifest["files"]):
        sys.exit(f"BAD: files added or removed: {sorted(set(files) ^ set(manifest['files']))}")
    for name, entry in manifest["files"].items():
        if sha(files[name]) != entry["sha256"]:
            sys.exit(f"BAD: {name} changed")
    events = json.loads(files["events.json"])
    previous = "0" * 64
    for event in events:
        body = [event[f] for f in FIELDS]
        if event.get("basis") is not None:  # the directory grant or cover the action rested on, sealed too
            body.append(event["basis"])
        if event["prev_hash"] != previous or sha(canonical(body, event.get("hash_scheme") or 1)) != event["hash"]:
            sys.exit(f"BAD: event {event['seq']} breaks the chain")
        previous = event["hash"]
        if event["kind"] in ("submitted", "computed"):
            document = json.loads(files[f"documents/{event['seq']}.json"])
            if sha(canonical(document["data"], event.get("hash_scheme") or 1)) != event["document_hash"]:
                sys.exit(f"BAD: document of event {event['seq']} does not match its hash")
    for content_hash in {e["definition_hash"] for e in events}:
        stored = json.loads(files[f"definitions/{content_hash}.json"])
        form = {k: stored[k] for k in ("process", "schemas", "templates")}
        if sha(canonical(form, stored.get("hash_scheme", 1))) != content_hash:
            sys.exit(f"BAD: definition {content_hash[:12]} does not match its hash")
    trust = {}
    with open(public_key_file, "rb") as handle:
        key = load_pem_public_key(handle.read())
    trust[key_id(key)] = key
    handovers = sorted(
        (int(n.split("/")[-1][:-5]), n) for n in files if n.startswith("checkpoint/keys/") and n.endswith(".json")
    )
    for _, name in handovers:
        _, trust = check_signed(files[name], files[name[:-5] + ".b64"], trust)
    statement, _ = check_signed(files["checkpoint/statement.json"], files["checkpoint/signature.b64"], trust)
    case_id, version, head = next(h for h in statement["heads"] if h[0] == manifest["case"])
    if events[version - 1]["hash"] != head:
        sys.exit(f"BAD: event {version} is not the head signed in checkpoint {statement['number']}")
    print(f"OK: case {case_id}, {len(events)} events, signed up to event {version}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
