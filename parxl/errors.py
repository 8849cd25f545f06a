"""What the operator must fix.  Problems in returned data are findings, never exceptions."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One problem in an input the operator controls (a plan, a registry, a key)."""
    file: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.where}: {self.message}" if self.where else f"{self.file}: {self.message}"


class ParxlError(Exception):
    """Base of every error the operator must fix; the CLI exits 2 on it."""


class InputError(ParxlError):
    """A plan or registry that cannot be used; carries every problem found at once."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class PlanError(InputError):
    pass


class RegistryError(InputError):
    pass


class KeyFileError(ParxlError):
    """The secretariat's key file is missing or malformed."""


class UsageError(ParxlError):
    """Bad paths or options."""


def toml_location(loc: tuple, raw: dict) -> str:
    """Render a pydantic error location inside a TOML document, naming the item's code.

    ``("task", 12, "indicator", 0, "target")`` becomes
    ``task[12] (III.4.1).indicator[0].target``.
    """
    parts: list[str] = []
    cur: object = raw
    for p in loc:
        if isinstance(p, int) and parts:
            parts[-1] += f"[{p}]"
            try:
                cur = cur[p]  # type: ignore[index]
                if isinstance(cur, dict) and "code" in cur:
                    parts[-1] += f" ({cur['code']})"
            except (IndexError, KeyError, TypeError):
                cur = None
        else:
            parts.append(str(p))
            cur = cur.get(p) if isinstance(cur, dict) else None
    return ".".join(parts)
