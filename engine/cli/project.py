"""Getting started: `init` writes a project folder from the shipped processes; `completion` prints a shell script.

Completion is a static script generated from the parser (no argcomplete): it costs nothing at start-up, needs no
extra package, and a Tab press does not start Python. Regenerate it after upgrading procflow.
"""

from __future__ import annotations

import argparse
import shlex
from pathlib import Path
from typing import TextIO

from .options import Parents, Subcommands

BASH = """\
# bash completion for {prog}; load it with: eval "$({prog} completion bash)"
_{func}() {{
    local cur="${{COMP_WORDS[COMP_CWORD]}}" command="${{COMP_WORDS[1]}}" words
    if [[ $COMP_CWORD -eq 1 ]]; then
        COMPREPLY=($(compgen -W "{commands} --help --version" -- "$cur"))
        return
    fi
    case "$command" in
{cases}
    esac
    if [[ "$cur" == -* ]]; then
        COMPREPLY=($(compgen -W "$words" -- "$cur"))
    else
        COMPREPLY=($(compgen -f -- "$cur"))
    fi
}}
complete -o filenames -F _{func} {prog}
"""


def register(sub: Subcommands, parents: Parents) -> None:
    p = sub.add_parser("init", help="write a project folder to start from: processes, schemas, templates, scenarios")
    p.add_argument("folder", metavar="DIR", help="a new (or empty) folder")
    p.add_argument(
        "--process", action="append", dest="processes", metavar="NAME", help="only this shipped process (repeatable)"
    )
    p.set_defaults(run=cmd_init)

    p = sub.add_parser("completion", help="print a shell completion script")
    p.add_argument("shell", choices=["bash"], help="the shell (bash; zsh loads it with bashcompinit)")
    p.set_defaults(run=cmd_completion)


def cmd_init(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ..project import init_project

    target = Path(args.folder)
    written = init_project(target, args.processes or ())
    print(f"wrote {target}/ with {', '.join(written)}; next: procflow validate {target}/processes/*.yaml", file=out)
    return 0


def cmd_completion(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .main import build_parser

    out.write(bash_script(build_parser()))
    return 0


def bash_script(parser: argparse.ArgumentParser) -> str:
    """A bash completion function: subcommand names first, then each subcommand's options, else file names."""
    commands = _subcommands(parser)
    cases = "\n".join(
        f"        {shlex.quote(name)}) words={shlex.quote(' '.join(_options(sub)))} ;;"
        for name, sub in sorted(commands.items())
    )
    prog = parser.prog
    return BASH.format(prog=prog, func=prog.replace("-", "_"), commands=" ".join(sorted(commands)), cases=cases)


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _options(parser: argparse.ArgumentParser) -> list[str]:
    return sorted(option for action in parser._actions for option in action.option_strings)
