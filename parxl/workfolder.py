"""The secretariat's working folder for one plan year: made once by ``parxl init``, remembered after.

A working folder holds a small settings file, ``parxl.toml``, beside a copy of the plan and its
agency registry (to edit), the secretariat's key and the year's ledger; each period gets a folder of
its own for the workbooks issued, the returns received and the outputs::

    CCHC-2025/
      parxl.toml              what the commands below read; paths relative to this folder
      ke-hoach/plan.toml      the plan (a copy, to edit)   ke-hoach/agencies.toml  its registry
      parxl.key               the key every workbook is signed with (one per folder)
      parxl-ledger.sqlite     the year's ledger (made by the first merge)
      2025-Q1/phat-hanh/      workbooks issued (parxl generate 2025-Q1)
      2025-Q1/nhan/           returns received: drop them here
      2025-Q1/tong-hop-2025-Q1.xlsx, 2025-Q1/report-2025-Q1.json   (parxl merge 2025-Q1)

A command run in the folder, or in any folder under it, or given ``--folder`` (``PARXL_FOLDER``), takes
the plan, registry, key, ledger and paths from ``parxl.toml``; an option given on the command line
still wins.  Outside a working folder nothing changes: the options say everything.
"""
from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from .errors import InputError, Problem, UsageError, validation_problems
from .i18n import _, os_reason

SETTINGS_FILE = "parxl.toml"
ENV = "PARXL_FOLDER"
PLAN_DIR = "ke-hoach"
KEY_FILE = "parxl.key"
LEDGER_FILE = "parxl-ledger.sqlite"

_PERIODIC = ("issued", "returns", "workbook", "report")


class _Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    plan: str = f"{PLAN_DIR}/plan.toml"
    registry: str | None = f"{PLAN_DIR}/agencies.toml"
    key: str = KEY_FILE
    ledger: str = LEDGER_FILE
    issued: str = "{period}/phat-hanh"
    returns: str = "{period}/nhan"
    workbook: str = "{period}/tong-hop-{period}.xlsx"
    report: str = "{period}/report-{period}.json"

    @field_validator(*_PERIODIC)
    @classmethod
    def _names_period(cls, v: str) -> str:
        if "{period}" not in v:
            raise ValueError(_("must contain {period}, so that each period has its own files"))
        if re.search(r"\{(?!period\})[^}]*\}", v):
            raise ValueError(_("the only placeholder allowed is {period}"))
        return v


@dataclass(frozen=True)
class WorkFolder:
    """A working folder and what its ``parxl.toml`` says."""
    root: Path
    settings: _Settings

    def _path(self, text: str) -> Path:
        p = Path(text)
        return p if p.is_absolute() else self.root / p

    @property
    def plan(self) -> Path:
        return self._path(self.settings.plan)

    @property
    def registry(self) -> Path | None:
        return self._path(self.settings.registry) if self.settings.registry else None

    @property
    def key(self) -> Path:
        return self._path(self.settings.key)

    @property
    def ledger(self) -> Path:
        return self._path(self.settings.ledger)

    def for_period(self, what: str, period: str) -> Path:
        """``issued``, ``returns``, ``workbook`` or ``report`` of one period."""
        return self._path(getattr(self.settings, what).replace("{period}", period))


def load(root: str | Path) -> WorkFolder:
    """The working folder at ``root``; :class:`InputError` listing what is wrong with its settings."""
    root = Path(root)
    src = root / SETTINGS_FILE
    try:
        raw = tomllib.loads(src.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(_("{folder} is not a parxl working folder (no {file}; make one with `parxl init`)").format(
            folder=root, file=SETTINGS_FILE)) from None
    except (OSError, UnicodeDecodeError) as e:
        raise InputError([Problem(str(src), "", _("cannot be read: {error}").format(error=os_reason(e)))]) from None
    except tomllib.TOMLDecodeError as e:
        raise InputError([Problem(str(src), "", _("not valid TOML: {error}").format(error=e))]) from None
    table = raw.get("folder")
    if not isinstance(table, dict):
        raise InputError([Problem(str(src), "folder", _("the [folder] table is missing"))])
    try:
        settings = _Settings.model_validate(table)
    except ValidationError as e:
        raise InputError(validation_problems(e, str(src), table, "folder")) from None
    return WorkFolder(root.resolve(), settings)


def find(start: str | Path | None = None) -> WorkFolder | None:
    """The working folder holding ``start`` (default: the current folder), looking upwards; ``None``
    when there is none.  ``PARXL_FOLDER`` names one explicitly."""
    named = os.environ.get(ENV)
    if named:
        return load(named)
    here = Path(start) if start is not None else Path.cwd()
    for folder in (here, *here.resolve().parents):
        if (folder / SETTINGS_FILE).is_file():
            return load(folder)
    return None


@dataclass(frozen=True)
class Made:
    """What ``parxl init`` did."""
    folder: WorkFolder
    plan_id: str
    plan_version: str
    agencies: int
    key_made: bool
    year: int


def init(root: str | Path, plan: str | Path | None = None, registry: str | Path | None = None,
         key: str | Path | None = None) -> Made:
    """Make a working folder at ``root`` for a plan (a path or a bundled plan's name; default: the bundled
    plan) and its registry (default: the one the plan names).  The plan must load cleanly; it and its
    registry are copied in, to edit.  A key is made unless ``key`` names an existing one (kept where it is,
    e.g. last year's) or the folder already holds one: never a second key.  Refuses a folder that is
    already a working folder."""
    from .bundled import resolve_plan
    from .identity import keygen, load_key
    from .outputs import write_atomic
    from .plan import load_plan
    root = Path(root)
    if (root / SETTINGS_FILE).exists():
        raise UsageError(_("{folder} is already a parxl working folder ({file}); edit that file to change it").format(
            folder=root, file=root / SETTINGS_FILE))
    source = resolve_plan(plan)
    loaded = load_plan(source, registry)
    if key is not None:
        load_key(key)   # refuse a key that cannot be used before anything is written
    plan_dir = root / PLAN_DIR
    for name in ("plan.toml", "agencies.toml"):
        if (plan_dir / name).exists():
            raise UsageError(_("{path} already exists; move it away or choose another folder").format(
                path=plan_dir / name))
    try:
        plan_text = source.read_text(encoding="utf-8")
        registry_text = Path(loaded.registry.source).read_text(encoding="utf-8")
    except OSError as e:
        raise UsageError(_("cannot read {path}: {error}").format(path=e.filename, error=os_reason(e))) from None
    plan_text = _point_at_registry(plan_text, "agencies.toml")
    try:
        plan_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UsageError(_("cannot make {folder}: {error}").format(folder=plan_dir, error=os_reason(e))) from None
    write_atomic(plan_dir / "agencies.toml", registry_text.encode("utf-8"))
    write_atomic(plan_dir / "plan.toml", plan_text.encode("utf-8"))
    key_made = False
    if key is not None:
        key_setting = Path(key).resolve().as_posix()
    else:
        key_setting = KEY_FILE
        if not (root / KEY_FILE).exists():
            keygen(root / KEY_FILE)
            key_made = True
        load_key(root / KEY_FILE)
    write_atomic(root / SETTINGS_FILE, settings_text(loaded, key_setting).encode("utf-8"))
    folder = load(root)
    load_plan(folder.plan, folder.registry)   # the copies load as the originals did
    return Made(folder, loaded.id, loaded.version, len(loaded.reporting_agencies()), key_made, loaded.year)


def _point_at_registry(plan_text: str, name: str) -> str:
    """The plan's own ``agencies = "..."`` line made to name the registry copied beside it."""
    line = re.compile(r'^(agencies\s*=\s*)(["\']).*?\2(\s*(#.*)?)$', re.MULTILINE)
    if line.search(plan_text):
        return line.sub(lambda m: f'{m.group(1)}"{name}"{m.group(3)}', plan_text, count=1)
    return plan_text


def _toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def settings_text(plan, key: str) -> str:
    """``parxl.toml`` as ``parxl init`` writes it: every setting spelled out, with what it means."""
    s = _Settings(key=key)
    return f"""# parxl working folder: {plan.title}
# Plan {plan.id} version {plan.version}, registry {plan.registry.id}.
# In this folder (or any folder under it) `parxl generate 2025-Q1`, `parxl merge 2025-Q1`, `parxl history`
# need no other option.  Paths are relative to this folder unless absolute; {{period}} is the period's
# code, e.g. {plan.year}-Q1.  Back up this whole folder: the key and the ledger cannot be made again.
[folder]
plan = {_toml_string(s.plan)}
registry = {_toml_string(s.registry or "")}
key = {_toml_string(s.key)}              # sign and verify every workbook with this key; keep it secret
ledger = {_toml_string(s.ledger)}   # every merge of the year is recorded here
issued = {_toml_string(s.issued)}      # workbooks to send, made by `parxl generate PERIOD`
returns = {_toml_string(s.returns)}         # drop the returned files here (sub-folders allowed)
workbook = {_toml_string(s.workbook)}   # the consolidated workbook, made by `parxl merge PERIOD`
report = {_toml_string(s.report)}       # the JSON report for scripts
"""
