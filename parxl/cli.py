"""The parxl command line.  Each command is its --help text plus one library call.

Exit codes: 0 done; 1 done, with error findings (merge --strict, check); 2 the operator
must fix something (plan, registry, key, paths, options).

It speaks Vietnamese unless asked otherwise (``--lang en`` or ``PARXL_LANG=en``; see parxl.i18n), and
so does all of it: the --help texts (English in the code, translated when shown: the classes below),
click's own usage errors (parxl.i18n installs the catalog for click) and the library's messages.
"""
from __future__ import annotations

import datetime as dt
import difflib
import inspect
import json
import os
import sys
from contextlib import contextmanager
from pathlib import Path

import click

from . import __version__
from .errors import InputError, KeyFileError, ParxlError, Problem, UsageError
from .i18n import LANGUAGES, _, choose, finding_message, ngettext, os_reason, set_language, translated
from .periods import Period
from .vocab import format_number


# -- help in the language chosen ----------------------------------------------------------------------------
# A --help text is written in English in the code (a docstring, an option's help=) and is a msgid of the
# catalog; it is translated each time click reads it, so the language chosen at run time (and docs' English)
# is the one shown, whatever it was when the decorators ran.

def _translated_help():
    def get(self):
        text = self.__dict__.get("help")
        return translated(inspect.cleandoc(text)) if text else text

    def put(self, value):
        self.__dict__["help"] = value
    return property(get, put)


def _metavar(text: str) -> str:
    """A metavar as shown in usage lines and errors (``FILES...`` → ``TỆP...``); others unchanged."""
    words = {"FILE": _("FILE"), "DIRECTORY": _("DIRECTORY"), "PATH": _("PATH"), "TEXT": _("TEXT"),
             "INTEGER": _("INTEGER"), "PLAN": _("PLAN"), "[PLAN]": _("[PLAN]"), "[PERIOD]": _("[PERIOD]"),
             "FOLDER": _("FOLDER"), "APPENDIX": _("APPENDIX"), "OLD": _("OLD"), "NEW": _("NEW"),
             "LISTING": _("LISTING"), "FILES...": _("FILES..."), "OUT_DIR": _("OUT_DIR")}
    return words.get(text, text)


class _Option(click.Option):
    help = _translated_help()

    def make_metavar(self, *args, **kwargs):
        return _metavar(super().make_metavar(*args, **kwargs))


class _Argument(click.Argument):
    def make_metavar(self, *args, **kwargs):
        return _metavar(super().make_metavar(*args, **kwargs))


class _Path(click.Path):
    """click.Path whose name ("file", "directory": in "File 'x' does not exist.") is said when shown."""

    @property
    def name(self):
        en = self.__dict__.get("name", "path")
        return {"file": _("file"), "directory": _("directory"), "path": _("path")}.get(en, en)

    @name.setter
    def name(self, value):
        self.__dict__["name"] = value


class _Int(click.types.IntParamType):
    @property
    def name(self):
        return _("integer")


def _translate_params(cmd) -> None:
    """Options and arguments declared with plain click.option/click.argument speak the language chosen."""
    for p in cmd.params:
        if type(p) is click.Option:
            p.__class__ = _Option
        elif type(p) is click.Argument:
            p.__class__ = _Argument
        if type(p.type) is click.Path:
            p.type.__class__ = _Path
        elif p.type is click.INT:
            p.type = _Int()


class _Translated:
    """What a command and a group share: help, options and the options placeholder in the chosen language."""
    help = _translated_help()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _translate_params(self)

    @property
    def options_metavar(self):
        return _("[OPTIONS]")

    @options_metavar.setter
    def options_metavar(self, value):
        pass


class _Command(_Translated, click.Command):
    pass


def _lang_given(args) -> str | None:
    """The value of ``--lang`` on the command line, read before click parses it (so that even
    ``parxl --help`` and a usage error in the first option speak the language asked for)."""
    args = list(args or ())
    for k, a in enumerate(args):
        if a == "--":
            break
        if a == "--lang" and k + 1 < len(args):
            return args[k + 1]
        if a.startswith("--lang="):
            return a.split("=", 1)[1]
    return None


class _Group(_Translated, click.Group):
    group_class = type

    @property
    def subcommand_metavar(self):
        return _("COMMAND [ARGS]...")

    @subcommand_metavar.setter
    def subcommand_metavar(self, value):
        pass

    def make_context(self, info_name, args, parent=None, **extra):
        if parent is None:
            set_language(choose(_lang_given(args)))
        return super().make_context(info_name, args, parent=parent, **extra)


_Group.command_class = _Command


def _version(ctx, param, value):
    if value and not ctx.resilient_parsing:
        click.echo(_("{prog}, version {version}").format(prog=ctx.find_root().info_name, version=__version__))
        ctx.exit()


def _here():
    """The working folder this command runs in (``--folder``, ``PARXL_FOLDER``, or the current folder
    and its parents; see parxl.workfolder), or None; looked up once per command."""
    from . import workfolder
    meta = click.get_current_context().find_root().meta
    if "parxl.here" not in meta:
        given = meta.get("parxl.folder")
        meta["parxl.here"] = workfolder.load(given) if given else workfolder.find()
    return meta["parxl.here"]


def _load_plan(plan_ref: str | None, agencies: Path | None, *, folder: bool = True, draft: bool = False):
    """The plan named on the command line (a path or a bundled plan's name), else the working folder's,
    else the bundled Quảng Nam plan.  A draft (review lines left) is refused unless ``draft``."""
    from .bundled import resolve_plan
    from .plan import load_plan
    here = _here() if folder and plan_ref is None else None
    if here is not None:
        return load_plan(here.plan, agencies or here.registry, draft=draft)
    return load_plan(resolve_plan(plan_ref), agencies, draft=draft)


def _say_if_not_collected(plan, per: Period) -> None:
    """The plan names the reports it feeds ([plan] periods) and this is not one of them: said, not refused."""
    if not plan.collects(per.quarter):
        click.echo(_("note: the plan feeds only these reports: {periods}; {period} is not one of them "
                     "(the command runs all the same)").format(periods=plan.periods_vi(), period=per.label_vi),
                   err=True)


def _period(given: str | None, option: str | None, due=None) -> Period:
    """The period, typed as the argument (``parxl merge 2025-Q1``) or as ``--period``."""
    if given and option and given != option:
        raise UsageError(_("two periods given: {a} and {b}").format(a=given, b=option))
    if not (given or option):
        raise UsageError(_("give the period, e.g. {example}").format(example="2025-Q1"))
    return Period.parse(given or option, due)


def _needed(value, option: str):
    """An option that only a working folder can supply."""
    if value is None:
        raise UsageError(_("{option} is needed outside a working folder (see `parxl init`)").format(option=option))
    return value


def _key_near(*starts: Path) -> list[Path]:
    """Where a key may already be, nearest first: each start folder and its parents up to the current
    folder, then the current folder itself.  A new key is made only when none of these holds one."""
    from .identity import KEY_FILE_NAME
    cwd = Path.cwd().resolve()
    found: list[Path] = []
    for start in (*starts, cwd):
        start = start.resolve()
        chain = [start] + [p for p in start.parents if start.is_relative_to(cwd) and p.is_relative_to(cwd)]
        for folder in chain:
            if folder / KEY_FILE_NAME not in found:
                found.append(folder / KEY_FILE_NAME)
    return found


def _folder_key(here) -> Path:
    from .errors import KeyFileError
    if not here.key.exists():
        raise KeyFileError(_("the working folder's key {path} is missing: restore it from the backup (a new key "
                             "cannot verify the workbooks already sent)").format(path=here.key))
    return here.key


class _Exit2(click.ClickException):
    exit_code = 2

    def show(self, file=None) -> None:
        click.echo(_("Error: {message}").format(message=self.format_message()), file=file or sys.stderr)


def _n(message: str, n: int, **kw) -> str:
    """A counted message (from ngettext) with its count written the Vietnamese way (1.234)."""
    return message.format(n=format_number(n), **kw)


@contextmanager
def _operator_errors():
    try:
        yield
    except InputError as e:
        if len(e.problems) == 1:
            raise _Exit2(str(e.problems[0])) from None
        lines = "\n".join(f"  {p}" for p in e.problems)
        n = len(e.problems)
        raise _Exit2(_n(ngettext("{n} problem:", "{n} problems:", n), n) + "\n" + lines) from None
    except ParxlError as e:
        raise _Exit2(str(e)) from None
    except OSError as e:          # a folder that cannot be made, a disk full: said in the operator's language
        where = e.filename or ""
        raise _Exit2((f"{where}: " if where else "") + os_reason(e)) from None


def _date(ctx, param, value):
    if value is None:
        return None
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(value, fmt).date()
        except ValueError:
            pass
    raise click.BadParameter(_("{value!r} is not a date: use dd/mm/yyyy or yyyy-mm-dd").format(value=value))


@contextmanager
def _progress(label: str, total: int):
    """Yields a tick callback that advances a progress bar on a terminal, and does nothing otherwise."""
    if not sys.stderr.isatty() or total < 2:
        yield None
        return
    with click.progressbar(length=total, label=label, file=sys.stderr) as bar:
        yield lambda _item: bar.update(1)


def _language(ctx, param, value):
    set_language(choose(value))
    return value


def _agency_label(plan, code: str | None) -> str:
    a = plan.registry.agencies.get(code) if code else None
    return f"{code} – {a.name}" if a else (code or "")


def _agency_codes(plan, given: tuple[str, ...]) -> list[str]:
    """The agency codes the operator typed, read case-insensitively (or as an agency's exact name);
    an unknown one is refused with the codes it is close to."""
    reg = plan.registry
    by_upper = {c.upper(): c for c in reg.agencies}
    out, problems = [], []
    for text in given:
        code = by_upper.get(text.strip().upper())
        if code is None:
            hit = reg.resolve(text)
            if hit and len(hit) == 1 and hit[0].on_behalf_of is None:
                code = hit[0].agency
        if code is None:
            close = _close_agencies(reg, text)
            msg = _("agency {given!r} is not in registry {registry}").format(given=text, registry=reg.id)
            if close:
                msg += _("; did you mean: {codes}?").format(codes=", ".join(_agency_label(plan, c) for c in close))
            else:
                msg += _("; the codes are in {path}").format(path=reg.source)
            problems.append(Problem("--agency", "", msg))
        elif not plan.assignments(code):
            problems.append(Problem("--agency", "", _("agency {agency} has nothing to report in this plan").format(
                agency=_agency_label(plan, code))))
        elif code not in out:
            out.append(code)
    if problems:
        raise InputError(problems)
    return out


def _close_agencies(reg, text: str) -> list[str]:
    """Codes close to ``text``, as a code or as a name (difflib)."""
    from .agencies import normalize_phrase
    codes = list(reg.agencies)
    hits = difflib.get_close_matches(text.strip().upper(), codes, n=3, cutoff=0.6)
    names = {normalize_phrase(a.name): a.code for a in reg.agencies.values()}
    hits += [names[n] for n in difflib.get_close_matches(normalize_phrase(text), list(names), n=3, cutoff=0.6)]
    return list(dict.fromkeys(hits))[:4]


plan_option = click.option("--plan", "plan_path", metavar="PLAN",
                           help="Plan: a plan.toml, or a bundled plan's name (quangnam-2024). "
                                "Default: the working folder's plan, else quangnam-2024.")
agencies_option = click.option("--agencies", type=click.Path(dir_okay=False, path_type=Path),
                               help="Agency registry (TOML); default: the one the plan names.")
key_option = click.option("--key", "key_path", type=click.Path(dir_okay=False, path_type=Path),
                          help="The secretariat's key file (see `parxl keygen`).")
due_option = click.option("--due", callback=_date, help="Return due date (dd/mm/yyyy); default: 6 days after the data window.")


def _folder_option(ctx, param, value):
    if value is not None:
        ctx.meta["parxl.folder"] = value
    return value


@click.group(cls=_Group)
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_version,
              help="Show the version and exit.")
@click.option("--lang", type=click.Choice(LANGUAGES, case_sensitive=False), is_eager=True, expose_value=False,
              callback=_language, help="Language of messages: vi or en. Default: $PARXL_LANG, else vi "
                                       "(LANG and LC_ALL are not followed).")
@click.option("--folder", type=click.Path(file_okay=False, path_type=Path), expose_value=False,
              callback=_folder_option, help="The working folder (see `parxl init`). Default: $PARXL_FOLDER, "
                                            "else the current folder or the nearest parent holding parxl.toml.")
def cli():
    """parxl: generate, collect and merge a province's quarterly PAR-plan returns in Excel."""


@cli.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--plan", "plan_ref", metavar="PLAN",
              help="The plan: a plan.toml, or a bundled plan's name. Default: quangnam-2024.")
@click.option("--registry", "--agencies", "registry", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Agency registry (TOML). Default: the one the plan names.")
@click.option("--key", "key_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Keep using this existing key (e.g. last year's) instead of making one.")
def init(folder, plan_ref, registry, key_path):
    """Make the secretariat's working folder for a plan year: parxl.toml (where everything goes), a copy
    of the plan and its registry to edit, and the key.  Inside it, `parxl generate 2025-Q1`, `parxl merge
    2025-Q1` and `parxl history` need no other option."""
    from .workfolder import init as make
    with _operator_errors():
        made = make(folder, plan_ref, registry, key_path)
    f = made.folder
    click.echo(_("working folder {folder} ready: plan {plan} v{version}, {agencies} reporting agencies").format(
        folder=folder, plan=made.plan_id, version=made.plan_version, agencies=format_number(made.agencies)))
    click.echo(_("plan and registry to edit: {plan}, {registry}").format(plan=f.plan, registry=f.registry))
    if made.key_made:
        click.echo(_("key made at {path}: keep it secret and back up the whole folder").format(path=f.key))
    else:
        click.echo(_("key: {path} (kept; no new key made)").format(path=f.key))
    click.echo(_("next: go into {folder} and run `parxl generate PERIOD` (e.g. {example})").format(
        folder=folder, example=f"{made.year}-Q1"))


@cli.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite an existing key (old workbooks will no longer verify).")
def keygen(path, force):
    """Make a new secret key file for signing and verifying workbooks."""
    from .identity import keygen as make
    with _operator_errors():
        click.echo(_("key written to {path}; keep it secret and keep a backup").format(path=make(path, force)))


@cli.group()
def plan():
    """Inspect and check a plan catalog."""


plan_argument = click.argument("plan_path", required=False, metavar="[PLAN]")


@plan.command("show")
@plan_argument
@agencies_option
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
def plan_show(plan_path, agencies, as_json):
    """Show a plan's sections, tasks, indicators and targets (a plan.toml or a bundled plan's name;
    default: the working folder's plan, else the bundled plan)."""
    with _operator_errors():
        p = _load_plan(plan_path, agencies)
    if as_json:
        click.echo(json.dumps(p.to_dict(), ensure_ascii=False, indent=1))
        return
    from .plan_import.measure_hooks import measure_word
    click.echo(f"{p.title}\n{p.id} v{p.version}: {_plan_counts(p)}")
    if p.periods:
        click.echo(_("feeds the reports: {periods}").format(periods=p.periods_vi()))
    for s in p.sections:
        click.echo(f"\n{s.code}. {s.title}")
        for i in p.indicators:
            if i.task.section == s.code:
                n = len(i.reporters)
                click.echo(f"  {i.code:<14} {measure_word(i.measure):<10} {i.target_vi()[:40]:<40} "
                           + _n(ngettext("{n} agency", "{n} agencies", n), n))


def _plan_counts(p) -> str:
    t, i, a = len(p.tasks), len(p.indicators), len(p.reporting_agencies())
    return ", ".join((_n(ngettext("{n} task", "{n} tasks", t), t),
                      _n(ngettext("{n} indicator", "{n} indicators", i), i),
                      _n(ngettext("{n} reporting agency", "{n} reporting agencies", a), a)))


@plan.command("check")
@plan_argument
@agencies_option
@click.option("--draft", is_flag=True, help="Accept a draft from `parxl plan import`: list its review lines "
              "instead of refusing them.")
def plan_check(plan_path, agencies, draft):
    """Load a plan (a plan.toml or a bundled plan's name; default: the working folder's plan, else the
    bundled plan) and its registry and report every problem at once (exit 2 if any).  A plan with
    `review` lines is a draft: refused unless --draft."""
    with _operator_errors():
        p = _load_plan(plan_path, agencies, draft=draft)
    click.echo(_("plan {plan} is valid: {counts} in registry {registry}").format(
        plan=f"{p.id} v{p.version}", counts=_plan_counts(p), registry=p.registry.id))
    if p.reviews:
        click.echo(_n(ngettext("a draft: {n} line to review (generate and merge refuse the plan until it is deleted):",
                               "a draft: {n} lines to review (generate and merge refuse the plan until each is "
                               "deleted):", len(p.reviews)), len(p.reviews)))
        for where, what in p.reviews:
            click.echo(f"  {where}: {what}")
    unread = p.unread_deadlines()
    if unread:
        click.echo(_n(ngettext("{n} deadline could not be read: its task is judged as if due at every period "
                               "(give the task a `due` date, or `due = \"recurring\"`, to judge it by the calendar):",
                               "{n} deadlines could not be read: their tasks are judged as if due at every period "
                               "(give each task a `due` date, or `due = \"recurring\"`, to judge it by the calendar):",
                               len(unread)), len(unread)))
        for t in unread:
            click.echo(f"  {t.code}: {t.deadline}")


@plan.command("import")
@click.argument("appendix", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--agencies", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Agency registry (TOML) the plan's agency phrases are resolved against.")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="Draft plan (TOML).")
@click.option("--id", "plan_id", help="Plan id (default: from the file name).")
@click.option("--title", help="Plan title.")
@click.option("--province", help="Province or city.")
@click.option("--year", type=int, help="Plan year (default: read from the document).")
@click.option("--force", is_flag=True, help="Replace an existing file at --out.")
def plan_import(appendix, agencies, out, plan_id, title, province, year, force):
    """Draft a plan from its appendix table (.docx or .xlsx): tasks, deadlines, agencies, numeric targets.

    Every decision the importer is unsure of is printed and written beside it in the draft as
    `review = "..."`: read each, fix the draft, delete the line, then run `parxl plan check`."""
    from .outputs import write_atomic
    from .plan_import import import_plan
    with _operator_errors():
        if out.exists() and not force:
            raise ParxlError(_("{path} already exists; use --force to replace it").format(path=out))
        ref = os.path.relpath(agencies, out.resolve().parent)
        toml_text, summary = import_plan(appendix, agencies, plan_id=plan_id, title=title, province=province,
                                         year=year, agencies_ref=ref)
        write_atomic(out, toml_text.encode("utf-8"))
    click.echo(summary.text())
    click.echo(_("draft plan written to {path}").format(path=out))


@plan.command("diff")
@click.argument("old", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("new", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def plan_diff(old, new):
    """Show what changed between two plans: tasks added, removed or retitled, deadlines, agencies, targets."""
    from .plan import load_plan
    from .plan_import.diff import render_diff
    with _operator_errors():
        text = render_diff(load_plan(old), load_plan(new))
    click.echo(text)


@cli.group()
def registry():
    """Build an agency registry."""


@registry.command("import")
@click.argument("listing", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="Registry (TOML).")
@click.option("--id", "registry_id", help="Registry id (default: from the file name).")
@click.option("--province", help="Province or city.")
@click.option("--force", is_flag=True, help="Replace an existing file at --out.")
def registry_import(listing, out, registry_id, province, force):
    """Build agencies.toml from a list of agencies (.csv or .xlsx: code, name, group, parent).

    On today's two-tier map, communes listed in the group "UBND cấp xã" receive their own workbooks;
    a plan phrase naming a level the list does not have (UBND cấp huyện) is a `plan check` error."""
    from .outputs import write_atomic
    from .plan_import.registry import import_registry
    with _operator_errors():
        if out.exists() and not force:
            raise ParxlError(_("{path} already exists; use --force to replace it").format(path=out))
        write_atomic(out, import_registry(listing, registry_id=registry_id, province=province).encode("utf-8"))
    click.echo(_("registry written to {path}").format(path=out))


@cli.command()
@click.argument("period_arg", metavar="[PERIOD]", required=False)
@plan_option
@agencies_option
@click.option("--period", help="Reporting period, e.g. 2024-Q3 (or give it as the argument).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the workbooks. Default in a working folder: PERIOD/phat-hanh.")
@click.option("--agency", "only", multiple=True, help="Only this agency code (repeatable).")
@key_option
@due_option
@click.option("--issued", callback=_date, help="Issue date recorded in each workbook; default: end of the data window.")
@click.option("--password", help="Sheet-protection password (a guard for users, not security).")
@click.option("--workers", default=1, show_default=True, help="Processes to write with.")
@click.option("--force", is_flag=True, help="Replace existing files that differ from the blank workbook.")
@click.option("--ledger", "ledger_path", type=click.Path(dir_okay=False, path_type=Path),
              help="The reporting year's ledger: show last period's values and prefill what carries over. "
                   "Default: the working folder's ledger when it exists, else none.")
@click.option("--no-ledger", is_flag=True, help="Plain workbooks, even in a working folder with a ledger.")
def generate(period_arg, plan_path, agencies, period, out_dir, only, key_path, due, issued, password, workers, force,
             ledger_path, no_ledger):
    """Write one workbook per agency that has indicators to report, named <period>_<agency>.xlsx.

    A file already there that differs from the blank workbook (a filled return?) is kept, and the
    command exits 2 naming it, unless --force.

    With --ledger, each input sheet also shows, in a locked column after the standard ones (not
    printed), what the agency reported the period before (Q1: last year's Q4), and prefills the
    baseline-year figure and, within the year, tasks reported "Hoàn thành" with their evidence.

    In a working folder (`parxl init`): `parxl generate 2025-Q1` takes the plan, key and ledger from
    parxl.toml, writes to 2025-Q1/phat-hanh and makes 2025-Q1/nhan for the returns."""
    from .identity import KEY_FILE_NAME, resolve_key
    from .writer import generate as run
    with _operator_errors():
        here = _here()
        p = _load_plan(plan_path, agencies)
        per = _period(period_arg, period, due)
        _say_if_not_collected(p, per)
        out_dir = out_dir or _needed(here and here.for_period("issued", per.code), "--out")
        codes = _agency_codes(p, only) or p.reporting_agencies()
        if key_path is None and here is not None:
            key_path = _folder_key(here)
        key, kpath, created = resolve_key(key_path, *_key_near(out_dir.parent),
                                          create_at=out_dir.parent / KEY_FILE_NAME)
        if created:
            click.echo(_("made a new key at {path}: keep it; merge needs it").format(path=kpath), err=True)
        if ledger_path is None and not no_ledger and here is not None and here.ledger.exists():
            ledger_path = here.ledger
        with _progress(_("generating"), len(codes)) as tick:
            issues = run(p, per, out_dir, key, codes, issued, password, workers, tick, force, ledger_path)
        kept = [i.path.name for i in issues if i.kept]
        n = len(issues) - len(kept)
        click.echo(_n(ngettext("{n} workbook written to {out}", "{n} workbooks written to {out}", n), n, out=out_dir))
        left_out = next((i.left_out for i in issues if i.left_out), ())
        if left_out:
            shown_out = "; ".join(left_out[:3]) + ("; …" if len(left_out) > 3 else "")
            click.echo(_n(ngettext("{n} record of the ledger was not shown nor carried over (unreadable, or not "
                                   "sealed by a merge with this key): {records}",
                                   "{n} records of the ledger were not shown nor carried over (unreadable, or not "
                                   "sealed by a merge with this key): {records}", len(left_out)), len(left_out),
                          records=shown_out), err=True)
        if ledger_path is not None:
            shown = next((i.previous for i in issues if i.previous), None)
            if shown:
                click.echo(_("last period's values ({period}) shown and carried over from {ledger}").format(
                    period=shown, ledger=ledger_path))
            else:
                click.echo(_("{ledger} holds no merge of the period before {period}: nothing shown or carried "
                             "over").format(ledger=ledger_path, period=per.code), err=True)
        if kept:
            k = len(kept)
            raise UsageError(_n(ngettext(
                "{n} file already in {out} differs from the blank workbook and was kept (a filled return?): "
                "{files}; use --force to replace it",
                "{n} files already in {out} differ from the blank workbook and were kept (filled returns?): "
                "{files}; use --force to replace them", k), k, out=out_dir, files=", ".join(kept)))
        if here is not None:
            inbox = here.for_period("returns", per.code)
            inbox.mkdir(parents=True, exist_ok=True)
            click.echo(_("put the returned files in {folder}, then run `parxl merge {period}`").format(
                folder=inbox, period=per.code))


@cli.command()
@click.argument("period_arg", metavar="[PERIOD]", required=False)
@plan_option
@agencies_option
@click.option("--period", help="Reporting period, e.g. 2024-Q3 (or give it as the argument).")
@click.option("--returns", "returns_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder of returned files. Default in a working folder: PERIOD/nhan.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Consolidated workbook. Default in a working folder: PERIOD/tong-hop-PERIOD.xlsx.")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path),
              help="JSON report. Default in a working folder: PERIOD/report-PERIOD.json.")
@key_option
@due_option
@click.option("--strict", is_flag=True, help="Exit 1 when any error finding was made.")
@click.option("--allow-empty", is_flag=True, help="Write a report even when the folder holds no spreadsheet, or no "
                                                   "return for this period.")
@click.option("--workers", type=int, help="Processes to read with; default: one per core (up to 4) from 16 files.")
@click.option("--ledger", "ledger_path", type=click.Path(dir_okay=False, path_type=Path),
              help="The reporting year's ledger (SQLite); default: the working folder's, else "
                   "parxl-ledger.sqlite beside the key.")
@click.option("--no-ledger", is_flag=True, help="Record nothing (no trend, no history).")
def merge(period_arg, plan_path, agencies, period, returns_dir, out, report_path, key_path, due, strict, allow_empty,
          workers, ledger_path, no_ledger):
    """Read every returned workbook under --returns and write the consolidated provincial workbook.

    Refuses (exit 2, before reading anything) outputs that would overwrite a return, the key or each
    other, or that lie inside the returns folder; refuses (exit 2, writing nothing) when the folder
    holds no spreadsheet, when no signed return verifies with the key (a wrong --key), or when every
    return proves to be of another period (naming it).

    In a working folder (`parxl init`): `parxl merge 2025-Q1` reads 2025-Q1/nhan and writes
    2025-Q1/tong-hop-2025-Q1.xlsx and 2025-Q1/report-2025-Q1.json with the folder's key and ledger."""
    from .identity import resolve_key
    from .intake import find_returns
    from .ledger import default_path as default_ledger
    from .merge import merge_to_files
    from .report import section_line
    with _operator_errors():
        here = _here()
        p = _load_plan(plan_path, agencies)
        per = _period(period_arg, period, due)
        _say_if_not_collected(p, per)
        returns_dir = returns_dir or _needed(here and here.for_period("returns", per.code), "--returns")
        out = out or _needed(here and here.for_period("workbook", per.code), "--out")
        if report_path is None and here is not None:
            report_path = here.for_period("report", per.code)
        if key_path is None and here is not None:
            key_path = _folder_key(here)
        key, kpath, _created = resolve_key(key_path, *_key_near(returns_dir.parent, out.parent))
        if not returns_dir.is_dir():
            raise UsageError(_("the returns folder {folder} does not exist: put the returned files there").format(
                folder=returns_dir))
        entries = find_returns(returns_dir)
        if ledger_path is None and here is not None:
            ledger_path = here.ledger
        ledger = None if no_ledger else (ledger_path or default_ledger(kpath))
        with _progress(_("reading returns"), sum(e.readable for e in entries)) as tick:
            report = merge_to_files(p, per, returns_dir, out, key, report_path, tick, workers, key_path=kpath,
                                    allow_empty=allow_empty, entries=entries, ledger=ledger)
    if report.ledger_notice:
        click.echo(report.ledger_notice, err=True)
    c = {k: format_number(v) for k, v in report.counts().items()}
    m = report.counts()["missing"]
    click.echo(_("returns: {accepted} accepted, {rejected} rejected, {superseded} superseded, {skipped} not read")
               .format(**c) + "; " + _n(ngettext("{n} agency missing", "{n} agencies missing", m), m))
    for s in report.by_section():
        click.echo(section_line(s))
    errors = sum(f.severity.value == "error" for f in report.findings)
    line = _n(ngettext("{n} error finding; consolidated workbook: {out}",
                       "{n} error findings; consolidated workbook: {out}", errors), errors, out=out)
    click.echo(line + (_("; report: {path}").format(path=report_path) if report_path else ""))
    if ledger is not None and report.ledger_problem:
        raise _Exit2(_("the outputs were written, but this merge is not recorded in the ledger: {problem}. "
                       "Fix that and run the same merge again: it is then recorded").format(
                         problem=report.ledger_problem))
    sys.exit(1 if strict and errors else 0)


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--period", help="Reporting period, e.g. 2024-Q3 (in a working folder: where the files go).")
@click.option("--returns", "returns_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder of returned files. Default in a working folder: PERIOD/nhan.")
@click.option("--at", "at", help="When they were received, dd/mm/yyyy [hh:mm] Vietnam time; default: now.")
def receive(files, period, returns_dir, at):
    """Record returned files as received: copy them into the returns folder (never over another file) and
    add each to its receipt log, so-nhan.csv, with the time received. merge then judges those returns on
    time or late by the day received, which is what the regulation counts, not by their save time."""
    from . import receipts
    with _operator_errors():
        here = _here()
        if returns_dir is None:
            _needed(here, "--returns")
            returns_dir = here.for_period("returns", _period(None, period).code)
        when = receipts.parse_time(at) if at else None
        if at and when is None:
            raise UsageError(_("--at {at!r}: write the time received as dd/mm/yyyy or dd/mm/yyyy hh:mm").format(at=at))
        copies = receipts.receive(files, returns_dir, when)
    for c in copies:
        click.echo(_("received: {file}").format(file=c))
    click.echo(_("recorded in {log}").format(log=Path(returns_dir) / receipts.LOG_NAME))


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@plan_option
@agencies_option
@click.option("--period", help="Expected period; default: the one each file claims.")
@key_option
@click.option("--json", "as_json", is_flag=True, help="Print findings as JSON.")
@click.option("--ledger", "ledger_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The reporting year's ledger: also warn where a figure contradicts what the agency reported "
                   "in earlier periods (history.*).")
def check(files, plan_path, agencies, period, key_path, as_json, ledger_path):
    """Check returned workbooks one by one, without merging (exit 1 if any has an error).

    In a working folder the plan and key are the folder's."""
    from .identity import resolve_key
    from .merge import check_paths
    with _operator_errors():
        here = _here()
        p = _load_plan(plan_path, agencies)
        per = Period.parse(period) if period else None
        if key_path is None and here is not None and here.key.exists():
            key_path = here.key
        try:
            key = resolve_key(key_path, *_key_near(*[f.parent.parent for f in files[:1]]))[0]
        except KeyFileError:
            if key_path:
                raise
            key = None  # an agency checking its own file has no key: signature not verified (identity.no-key)
        with _progress(_("checking"), len(files)) as tick:
            results = check_paths(list(files), p, per, key, tick)
        if ledger_path is not None:
            from .history_checks import add_to_checked
            add_to_checked(results, p, per, ledger_path, key)
    if key is None:
        click.echo(_("signatures not verified: no key (give --key, or run inside the working folder); a file "
                     "may be accepted here and rejected at the merge"), err=True)
    out = [{"file": str(c.workbook.name), "agency": c.agency, "accepted": c.accepted,
            "findings": [f.to_dict() for f in c.findings]} for c in results]
    if as_json:
        click.echo(json.dumps(out, ensure_ascii=False, indent=1))
    else:
        severity = {"error": _("error"), "warning": _("warning")}
        for c in results:
            click.echo(f"{c.workbook.name}: {_check_status(p, c)}")
            for f in c.findings:
                if f.severity.value != "info":
                    where = f"{f.sheet or ''}!{f.cell or ''}" if f.sheet or f.cell else ""
                    click.echo(f"  {severity[f.severity.value]:<9} {f.code:<28} {where}  {finding_message(f)}")
    sys.exit(1 if any(f["severity"] == "error" for o in out for f in o["findings"]) else 0)


@cli.command()
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@plan_option
@click.option("--seed", default=2024, show_default=True, help="Seed of the simulated quarter.")
@click.option("--no-libreoffice", is_flag=True, help="Do not fill one return through LibreOffice.")
@click.option("--year", "whole_year", is_flag=True,
              help="Run the four periods of 2024 in sequence, with a ledger, ending with the annual report.")
def demo(out_dir, plan_path, seed, no_libreoffice, whole_year):
    """Run a whole quarter (2024-Q3) on the bundled plan: generate, simulate returns, merge.

    With --year: the four periods of 2024 (returns improving over the year, one late agency, one
    correction), each merge recorded in a ledger, ending with the annual consolidated workbook whose
    "Diễn biến" sheet shows the year."""
    from .bundled import resolve_plan
    from .demo import run_demo, run_year
    with _operator_errors():
        plan_path = resolve_plan(plan_path)
        echo = lambda s: click.echo(s, err=True)  # noqa: E731
        if whole_year:
            summary = run_year(out_dir, plan_path, seed=seed, echo=echo)
        else:
            summary = run_demo(out_dir, plan_path, seed=seed, libreoffice_fill=not no_libreoffice, echo=echo)
    click.echo(summary)


@cli.command()
@click.option("--ledger", "ledger_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The reporting year's ledger (SQLite), e.g. parxl-ledger.sqlite beside the key. "
                   "Default in a working folder: its ledger.")
@click.option("--agency", help="An agency code.")
@click.option("--indicator", help="An indicator code, e.g. III.4.2/1.")
@click.option("--all-runs", is_flag=True, help="Every recorded run, not only each period's current one.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
def history(ledger_path, agency, indicator, all_runs, as_json):
    """Every period's value, verdict and source file for an agency and/or an indicator, from the ledger."""
    from .history import history_text
    with _operator_errors():
        here = _here()
        if ledger_path is None:
            ledger_path = _needed(here and here.ledger, "--ledger")
            if not ledger_path.exists():
                raise UsageError(_("no merge recorded yet: {path} does not exist").format(path=ledger_path))
        p = _plan_for_history()
        if agency and p is not None and agency.strip().upper() not in p.registry.agencies \
                and not _recorded(ledger_path, agency):
            agency = _agency_codes(p, (agency,))[0]     # a name typed for a code, or refused with the close codes
        units = {i.code: i.unit for i in p.indicators if i.unit} if p is not None else None
        text = history_text(ledger_path, agency=agency, indicator=indicator, as_json=as_json, all_runs=all_runs,
                            units=units)
    click.echo(text)


def _recorded(ledger_path: Path, agency: str) -> bool:
    """Whether the ledger holds values of ``agency`` (an agency of another plan's registry, say)."""
    from .ledger import Ledger
    with Ledger.open(ledger_path, create=False) as led:
        return bool(led.history(agency, all_runs=True))


def _plan_for_history():
    """The plan the ledger's codes are read against (the working folder's, else the bundled one), or None
    when it cannot be loaded (history then shows the ledger as it is)."""
    try:
        return _load_plan(None, None)
    except ParxlError:
        return None


def _check_status(plan, c) -> str:
    """accepted / accepted, with errors / rejected, and the agency (for a rejected file: the one it claims)."""
    if not c.accepted:
        claimed = c.agency or (c.identity or {}).get("agency") or c.workbook.properties.get("agency")
        who = (_("claims {agency}").format(agency=_agency_label(plan, claimed)) if claimed
               else _("agency unknown"))
        return _("rejected ({who})").format(who=who)
    errors = sum(f.severity.value == "error" for f in c.findings)
    if errors:
        return _n(ngettext("accepted, with {n} error ({agency})", "accepted, with {n} errors ({agency})", errors),
                  errors, agency=_agency_label(plan, c.agency))
    return _("accepted ({agency})").format(agency=_agency_label(plan, c.agency))


# -- the documents sent after a merge (issue 20) ------------------------------------------------------------
@cli.group("report")
def report_group():
    """Draft the documents the secretariat sends after a merge (.docx under Nghị định 30/2020/NĐ-CP)."""


def _document_options(f):
    for opt in reversed([
            click.argument("period_arg", metavar="[PERIOD]", required=False), plan_option, agencies_option,
            click.option("--period", help="Reporting period, e.g. 2024-Q3 (or give it as the argument)."),
            click.option("--returns", "returns_dir", type=click.Path(file_okay=False, path_type=Path),
                         help="Folder of returned files. Default in a working folder: PERIOD/nhan."),
            click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
                         help="Folder to write into. Default: van-ban beside the returns folder."),
            key_option, due_option,
            click.option("--ledger", "ledger_path", type=click.Path(dir_okay=False, path_type=Path),
                         help="The reporting year's ledger: the previous period and the year's timeliness "
                              "(read, never written). Default in a working folder: its ledger."),
            click.option("--as-of", "as_of", callback=_date,
                         help="The day days overdue are counted to (dd/mm/yyyy); default: today, Vietnam time."),
            click.option("--fix-by", "fix_by", callback=_date,
                         help="The date corrections are due (dd/mm/yyyy); default: left for the officer.")]):
        f = opt(f)
    return f


def _documents(kind, period_arg, plan_path, agencies, period, returns_dir, out_dir, key_path, due, ledger_path,
               as_of, fix_by):
    from .documents import documents_from_returns
    from .identity import resolve_key
    with _operator_errors():
        here = _here()
        p = _load_plan(plan_path, agencies)
        per = _period(period_arg, period, due)
        returns_dir = returns_dir or _needed(here and here.for_period("returns", per.code), "--returns")
        if not returns_dir.is_dir():
            raise UsageError(_("the returns folder {folder} does not exist: put the returned files there").format(
                folder=returns_dir))
        if key_path is None and here is not None:
            key_path = _folder_key(here)
        key, _kpath, _created = resolve_key(key_path, *_key_near(returns_dir.parent))
        if ledger_path is None and here is not None and here.ledger.exists():     # no merge recorded yet: none
            ledger_path = here.ledger
        paths = documents_from_returns(p, per, returns_dir, key, out_dir or returns_dir.parent / "van-ban",
                                       kinds=(kind,), ledger=ledger_path, as_of=as_of, fix_by=fix_by)
    for path in paths:
        click.echo(_("written: {path}").format(path=path))
    if not paths and kind == "corrections":
        click.echo(_("nothing to correct: no return in {folder} was refused or has errors, missing data or missing "
                     "evidence; no correction sheet written").format(folder=returns_dir))


@report_group.command("draft")
@_document_options
def report_draft(**kw):
    """Draft the period's report from the returns, as `parxl merge` reads them: I. the collection, II. results
    by section, III. what is not met or not reported, IV. the agencies' difficulties and proposals, V. the tasks
    due next quarter, and the appendices (indicators, agencies, the year's timeliness with --ledger)."""
    _documents("report", **kw)


@report_group.command("corrections")
@_document_options
def report_corrections(**kw):
    """A correction sheet (phiếu đề nghị bổ sung, chỉnh sửa) for each agency whose return was rejected or has
    errors, missing data or missing evidence, beside its workbook re-issued with its own values in."""
    _documents("corrections", **kw)


@report_group.command("reminders")
@_document_options
def report_reminders(**kw):
    """The reminders: a draft công văn đôn đốc listing the agencies not returned, refused or late, with days
    overdue and their contacts, and the same list as a CSV for mail merge."""
    _documents("reminders", **kw)


def main():  # pragma: no cover
    cli()


if __name__ == "__main__":  # pragma: no cover
    main()
