"""What the operator must fix.  Problems in returned data are findings, never exceptions."""
from __future__ import annotations

import difflib
from dataclasses import dataclass

from .i18n import _


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


class OutputInUseError(UsageError):
    """An output could not replace the file at its destination (on Windows: open in Excel), so none was
    replaced; ``kept`` maps each destination to where its new file was kept instead."""

    def __init__(self, message: str, kept: dict | None = None):
        super().__init__(message, kept or {})     # both in args: the error pickles from a worker process

    @property
    def kept(self) -> dict:
        return self.args[1]

    def __str__(self) -> str:
        return self.args[0]


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


def _ctx(err: dict, name: str, default: object = "") -> str:
    v = (err.get("ctx") or {}).get(name, default)
    if isinstance(v, (list, tuple)):
        return ", ".join(map(str, v))
    return str(v)


def plain_message(err: dict) -> str:
    """One pydantic error in plain words (in the current language), not the validation library's jargon."""
    kind = err.get("type", "")
    loc = err.get("loc") or ("",)
    if kind == "missing":
        return _("required field missing")
    if kind == "extra_forbidden":
        return _("field not allowed: {name}").format(name=loc[-1])
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return _("must be a whole number")
    if kind in ("float_type", "float_parsing", "decimal_type", "decimal_parsing", "finite_number"):
        return _("must be a number")
    if kind in ("string_type", "str_type"):
        return _("must be text (in quotes)")
    if kind in ("bool_type", "bool_parsing"):
        return _("must be true or false")
    if kind in ("list_type", "tuple_type", "set_type"):
        return _("must be a list [...]")
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return _("must be a table")
    if kind == "literal_error":
        return _("must be one of: {choices}").format(choices=_ctx(err, "expected").replace(" or ", ", "))
    if kind == "too_short":
        return _("must have at least {n} item(s)").format(n=_ctx(err, "min_length"))
    if kind == "too_long":
        return _("must have at most {n} item(s)").format(n=_ctx(err, "max_length"))
    if kind == "string_pattern_mismatch":
        return _("does not have the expected form (pattern {pattern})").format(pattern=_ctx(err, "pattern"))
    if kind == "string_too_long":
        return _("longer than {n} characters").format(n=_ctx(err, "max_length"))
    if kind == "string_too_short":
        return _("shorter than {n} characters").format(n=_ctx(err, "min_length"))
    if kind == "greater_than":
        return _("must be greater than {n}").format(n=_ctx(err, "gt"))
    if kind == "greater_than_equal":
        return _("must be at least {n}").format(n=_ctx(err, "ge"))
    if kind == "less_than":
        return _("must be less than {n}").format(n=_ctx(err, "lt"))
    if kind == "less_than_equal":
        return _("must be at most {n}").format(n=_ctx(err, "le"))
    if kind in ("value_error", "assertion_error"):
        e = (err.get("ctx") or {}).get("error")
        return str(e) if e is not None else str(err.get("msg", ""))
    return str(err.get("msg", kind))


# Top-level tables that tell a plan and an agency registry apart.
_REGISTRY_KEYS = {"registry", "agency", "group"}
_PLAN_KEYS = {"plan", "section", "task"}


def validation_problems(error, src: str, raw: dict, expected: str) -> list[Problem]:
    """A pydantic ValidationError on a TOML document as problems in plain words, each with its location.

    ``expected`` is "plan" or "registry"; a registry given where a plan is expected (or the reverse)
    is said in one line instead of a list of every field that does not fit."""
    keys = set(raw) if isinstance(raw, dict) else set()
    if expected == "plan" and keys & _REGISTRY_KEYS and not keys & {"section", "task"}:
        return [Problem(src, "", _("this looks like an agency registry, not a plan (it has [[agency]]/[[group]] "
                                   "tables and no [[task]]); give the plan file (plan.toml) and, if the plan "
                                   "does not name its registry, this file with --agencies"))]
    if expected == "registry" and keys & _PLAN_KEYS and not keys & {"agency", "group"}:
        return [Problem(src, "", _("this looks like a plan, not an agency registry (it has [[task]]/[[section]] "
                                   "tables and no [[agency]]); give the registry file (agencies.toml)"))]
    errors = error.errors()
    missing: dict[tuple, list[str]] = {}
    for err in errors:
        if err.get("type") == "missing" and err["loc"]:
            missing.setdefault(tuple(err["loc"][:-1]), []).append(str(err["loc"][-1]))
    out = []
    for err in errors:
        msg = plain_message(err)
        if err.get("type") == "extra_forbidden" and err["loc"]:
            close = difflib.get_close_matches(str(err["loc"][-1]), missing.get(tuple(err["loc"][:-1]), []), n=1)
            if close:
                msg += _(" (did you mean {name}?)").format(name=close[0])
        out.append(Problem(src, toml_location(err["loc"], raw), msg))
    return out


class LedgerError(ParxlError):
    """The ledger (parxl.ledger) cannot be used: missing, locked, corrupt, newer schema, not a parxl ledger."""
