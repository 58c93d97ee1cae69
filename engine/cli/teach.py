"""What `procflow COMMAND --help` teaches: a description of what each command is for, and an example to copy.

Kept in one table so every subcommand has both (a test checks); an area module that sets its own description or
epilog keeps it.
"""

from __future__ import annotations

import argparse
import textwrap

# command: (what it is for, an example)
LESSONS: dict[str, tuple[str, str]] = {
    "validate": ("", "procflow validate processes/*.yaml --strict"),
    "show": (
        "Outline a process file: its stages, states with their owners, documents, deadlines in words and the moves "
        "between states, in the process's language (or --lang).",
        "procflow show processes/sales.yaml --lang en",
    ),
    "graph": (
        "Draw a process as a Mermaid flowchart (renders in Markdown viewers), Graphviz DOT, or SVG (needs Graphviz). "
        "A shipped process can be named by its id.",
        "procflow graph sales --format svg -o sales.svg",
    ),
    "handbook": (
        "Write one standalone HTML page a team can read to learn its process: the diagram, each step with its owner "
        "and deadlines, who does what, and every document with its fields and an example.",
        "procflow handbook processes/sales.yaml -o handbook.html",
    ),
    "simulate": (
        "Dry-run scenario files against a process on a simulated clock, without a store: each step, what the engine "
        "computed, and whether every expectation held (exit 1 if one did not).",
        "procflow simulate processes/sales.yaml processes/sales/scenarios/*.yaml --quiet",
    ),
    "diff": (
        "Compare two versions of a process by meaning, not by text: states, transitions, roles, deadlines and "
        "document fields added, removed, renamed, stricter or looser. Exit 0 when equal, 1 when different.",
        "procflow diff HEAD~1:processes/sales.yaml processes/sales.yaml --cases",
    ),
    "start": (
        "Open a new case of a process (a file, registered if new, or a registered process id) in its initial state; "
        "prints the case id.",
        "procflow start processes/sales.yaml --as li:bd_specialist --id deal-1",
    ),
    "submit": (
        "Submit a version of a document to a case from a JSON or YAML file (or - for standard input); it is checked "
        "against its schema, and documents computed from it are recomputed.",
        "procflow submit deal-1 lead_record lead.yaml --as li:bd_specialist",
    ),
    "publish": (
        "Publish a new version of a shared document, seen by every case of the process (such as the customer "
        "profile leads are graded against).",
        "procflow publish sales customer_profile profile.yaml --as wang:sales_manager",
    ),
    "fire": (
        "Move a case on by firing one of its triggers; refused, saying why, unless the role may fire it, its "
        "documents are there and its condition holds.",
        "procflow fire deal-1 qualify --as li:bd_specialist",
    ),
    "status": (
        "A case's state, stage and owner, its documents, every deadline (due, met, missed) and its history, times "
        "in the process's zone.",
        "procflow status deal-1 --json",
    ),
    "available": (
        "What someone in a role can fire on a case now, and for each move that is closed to them, why.",
        "procflow available deal-1 --as li:bd_specialist",
    ),
    "render": (
        "Print a case document through its template, as Markdown or as a standalone HTML page.",
        "procflow render deal-1 contract --format html -o contract.html",
    ),
    "history": (
        "Every event of a case, in order, as sentences with their time in the process's zone and the definition "
        "version each ran under.",
        "procflow history deal-1 --lang en",
    ),
    "list": (
        "The cases in the store, filtered by process, state, stage, the role that owns the current state, or "
        "whether an obligation is past due.",
        "procflow list --process sales --stage discovery --overdue",
    ),
    "overdue": (
        "Every open obligation past due, across all cases, with how late it is (a what-if with --now).",
        "procflow overdue --now 2026-10-08T09:00+08:00",
    ),
    "tick": (
        "Record the reminders and escalations that are due, once each, and run their hooks; for cron. "
        "`procflow worker` does the same in a loop.",
        "procflow tick",
    ),
    "worker": (
        "Run the deadline loop: claim due cases, record reminders and escalations, repeat. Several workers may "
        "share one store; SIGTERM stops one after its current batch.",
        "procflow worker --db postgresql://procflow@db/sales --batch 100",
    ),
    "verify": (
        "Prove that no event was edited, deleted or reordered: every case's hash chain, its head, and the chained "
        "checkpoints. Exit 1 if anything was tampered with.",
        "procflow verify --checkpoint 3f2a9c…",
    ),
    "audit": (
        "One case's audit report: its timeline, deadlines, documents with their hashes, separation of duties, the "
        "definition versions it ran under and whether its history verifies.",
        "procflow audit deal-1 --format html -o audit.html",
    ),
    "report": (
        "The sales review (复盘) from the history: funnel and conversions, close rate, days per stage, deadline "
        "compliance, loss reasons and workload, per process version. Dates are days in the process's zone.",
        "procflow report --from 2026-01-01 --to 2026-07-01 --format html -o review.html",
    ),
    "checkpoint": (
        "Seal every case's head under one digest; write it down somewhere else, so `procflow verify --checkpoint` "
        "can later prove nothing changed since.",
        "procflow checkpoint",
    ),
    "export": (
        "Write a case, the definition version it runs under and all its events as one JSON file.",
        "procflow export deal-1 -o deal-1.json",
    ),
    "import": (
        "Rebuild an exported case in this store, checking its hash chain first.",
        "procflow import deal-1.json --db postgresql://postgres@db/sales",
    ),
    "versions": (
        "The stored versions of a process (label and content hash), and how many cases run under each.",
        "procflow versions sales",
    ),
    "migrate": (
        "Move running cases to another stored version of their process; reports what would break first, and moves "
        "only safe cases unless --force.",
        "procflow migrate --all --process sales --to 1.1 --as wang:sales_manager --check",
    ),
    "demo": (
        "Walk the shipped sales process end to end on the default store, printing every step, and write the "
        "rendered documents to a folder. Works from any folder.",
        "procflow demo --out demo-output",
    ),
    "init": (
        "Write a new project folder to start from: the shipped processes with their scenarios, their schemas and "
        "templates, and a README for the process owner.",
        "procflow init team && procflow validate team/processes/*.yaml",
    ),
    "completion": (
        "Print a shell completion script for procflow.",
        'eval "$(procflow completion bash)"   # e.g. in ~/.bashrc',
    ),
    "sign": (
        "Give your verdict on the sign-off round of the case's step (会签 all, 或签 any, 票签 quorum): approve or "
        "reject, with a comment. You sign in the signer role the team directory gives you; the deciding verdict "
        "also makes the move the round decides.",
        'procflow sign deal-1 approve --comment "feasible" --as sun_hao',
    ),
    "signers": (
        "Change who signs an open round: the step's owner adds a signer role (加签) or removes one who has not "
        "signed yet (减签); each change is an event.",
        "procflow signers deal-1 add legal --as zhou_qiang",
    ),
    "keygen": (
        "Make an Ed25519 key pair for signing checkpoints: the private key stays with you (never in the store), "
        "the .pub file goes to auditors for 'verify --trust'.",
        "procflow keygen ~/keys/procflow.key",
    ),
    "calendar": (
        "The working-day table deadlines are judged on: print it, or list the open deadlines a new holidays "
        "release would move ('impact', with --record to write the move into each case's history).",
        "procflow calendar impact --record --as admin",
    ),
    "authority": (
        "From the process file alone, the paths on which one person could take a case past a gate without anyone "
        "else; exit 1 when a path breaks one of the file's invariants.",
        "procflow authority processes/sales.yaml",
    ),
    "backtest": (
        "Replay the store's real case histories under a proposed process file, on a simulated clock: moves it "
        "would refuse and why, deadlines that flip between met and missed, how the funnel shifts. Nothing is "
        "written to the store.",
        "procflow backtest sales-next.yaml --since 2026-01-01 --format md",
    ),
    "verify-bundle": (
        "Check an evidence pack (from 'audit --bundle') without any database: every file against its manifest, "
        "the hash chain, document and definition hashes, and the signed checkpoint with your trusted key.",
        "procflow verify-bundle deal-1.zip --trust auditor.pub",
    ),
    "outbox": (
        "The messages waiting to reach people (mail, webhooks, WeCom / DingTalk / Feishu robots): list them by "
        "status, retry dead letters, or discard them.",
        "procflow outbox list --status dead",
    ),
    "serve": (
        "Start the HTTP server: the JSON API, signed webhooks for other systems, and the team's web app at /app, "
        "on the store --db names. Stops gracefully on SIGTERM.",
        "procflow serve --host 127.0.0.1 --port 8000",
    ),
    "account": (
        "Local sign-in accounts for people of the team directory: set a password (stored as an argon2 hash).",
        "procflow account set-password zhao_lei",
    ),
    "token": (
        "API tokens for a person, with scopes (read, write, admin) and an expiry; a new token is printed once "
        "and stored only as its hash.",
        "procflow token create zhao_lei --scope write --expires 30d",
    ),
    "integration": (
        "Outside systems (an ERP, a CRM) that may send signed webhook events the process declares: add one to get "
        "its secret, rotate the secret, list them.",
        "procflow integration add erp",
    ),
    "team": (
        "The team directory: people, role grants (for one process or all, with dates), reporting lines, and "
        "substitutes covering a vacation. Every change is an event of its own hash chain, made by a directory "
        "admin; 'team import' takes a YAML or CSV file whole or not at all.",
        "procflow team import processes/sales/team.yaml --process processes/sales.yaml --as admin",
    ),
    "assign": (
        "Give a case's current work to a person (a manager of the holder, or a directory admin).",
        "procflow assign deal-1 zheng_xiao --as wang_min",
    ),
    "claim": (
        "Take a case waiting in your role's queue.",
        "procflow claim deal-1 --as zhao_lei",
    ),
    "release": (
        "Put a case you hold back into its role's queue.",
        "procflow release deal-1 --as zhao_lei",
    ),
    "delegate": (
        "Lend a case you hold to a colleague (委派): it comes back to you once they have done their part.",
        "procflow delegate deal-1 zheng_xiao --as zhao_lei",
    ),
    "transfer": (
        "Hand a case you hold to a colleague for good (转办).",
        "procflow transfer deal-1 zheng_xiao --as zhao_lei",
    ),
    "follow": (
        "Hear of every move of a case (by your channels for 'move' messages), even one you neither started nor "
        "hold. Only a case you may see; `procflow followers` lists who follows it.",
        "procflow follow deal-1 --as wang_min",
    ),
    "unfollow": (
        "Stop hearing of a case's moves — also as the person who started it or holds it, who follow by default.",
        "procflow unfollow deal-1 --as zhao_lei",
    ),
    "followers": (
        "Who hears of a case's moves: its starter and the person holding it (unless they unfollowed), and "
        "everyone who chose to follow it. With --as, only a case that person may see.",
        "procflow followers deal-1 --json",
    ),
    "inbox": (
        "Your work now, most urgent first: cases you hold or that wait in your roles' queues, the moves you can "
        "make, the documents to produce, and the due times in your time zone.",
        "procflow inbox --as zhao_lei",
    ),
}


def teach(subcommands: dict[str, argparse.ArgumentParser]) -> None:
    """Give every subcommand its description (unless it has one) and its example as the epilog."""
    for name, parser in subcommands.items():
        description, example = LESSONS.get(name, ("", ""))
        if description and not parser.description:
            parser.description = textwrap.fill(description, 100)  # shown as written: the example needs its layout
        if example and not parser.epilog:
            parser.epilog = f"example:\n  {example}"
            if parser.formatter_class is argparse.HelpFormatter:
                parser.formatter_class = argparse.RawDescriptionHelpFormatter
