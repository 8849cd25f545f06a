"""README's generated sections: the CLI reference, the finding catalog and the ledger's tables.

``python -m parxl.docs README.md`` rewrites them in place; a test fails when README is stale.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

import click

from .findings import catalog_markdown


def cli_reference() -> str:
    """Every command's --help, in English whatever PARXL_LANG says, so that README is deterministic."""
    from .cli import cli
    from .i18n import language, set_language
    before = language()
    set_language("en")
    try:
        return _cli_reference(cli)
    finally:
        set_language(before)


def _cli_reference(cli) -> str:
    out = []

    def walk(cmd, path):
        if isinstance(cmd, click.Group) and path:
            for name, sub in cmd.commands.items():
                walk(sub, path + [name])
            return
        if isinstance(cmd, click.Group):
            for name, sub in cmd.commands.items():
                walk(sub, [name])
            return
        ctx = click.Context(cmd, info_name="parxl " + " ".join(path))
        out.append(f"### `parxl {' '.join(path)}`\n\n```\n{cmd.get_help(ctx).strip()}\n```\n")

    walk(cli, [])
    return "\n".join(out)


def ledger_tables() -> str:
    """The ledger's tables, from its schema (parxl.ledger)."""
    from .ledger import schema_markdown
    return schema_markdown()


SECTIONS = {"cli": cli_reference, "findings": catalog_markdown, "ledger": ledger_tables}


def render(text: str) -> str:
    for name, fn in SECTIONS.items():
        pat = re.compile(rf"(<!-- {name}:start -->).*?(<!-- {name}:end -->)", re.S)
        text = pat.sub(lambda m: m.group(1) + "\n" + fn().strip() + "\n" + m.group(2), text)
    return text


if __name__ == "__main__":
    path = Path(sys.argv[1] if len(sys.argv) > 1 else "README.md")
    path.write_text(render(path.read_text(encoding="utf-8")), encoding="utf-8")
