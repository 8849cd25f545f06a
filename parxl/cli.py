"""The parxl command line.  Each command is its --help text plus one library call.

Exit codes: 0 done; 1 done, with error findings (merge --strict, check); 2 the operator
must fix something (plan, registry, key, paths, options).
"""
from __future__ import annotations

import datetime as dt
import json
import sys
from contextlib import contextmanager
from pathlib import Path

import click

from . import __version__
from .errors import InputError, KeyFileError, ParxlError
from .periods import Period

_BUNDLED = Path("templates/quangnam-2024/plan.toml")


def _default_plan() -> Path:
    """The bundled Quảng Nam plan: from the current folder, else from parxl's own checkout."""
    here = Path(__file__).resolve().parent.parent / _BUNDLED
    return _BUNDLED if _BUNDLED.exists() or not here.exists() else here


class _Exit2(click.ClickException):
    exit_code = 2


@contextmanager
def _operator_errors():
    try:
        yield
    except InputError as e:
        lines = "\n".join(f"  {p}" for p in e.problems)
        raise _Exit2(f"{len(e.problems)} problem(s):\n{lines}") from None
    except ParxlError as e:
        raise _Exit2(str(e)) from None


def _date(ctx, param, value):
    if value is None:
        return None
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(value, fmt).date()
        except ValueError:
            pass
    raise click.BadParameter("use dd/mm/yyyy or yyyy-mm-dd")


@contextmanager
def _progress(label: str, total: int):
    """Yields a tick callback that advances a progress bar on a terminal, and does nothing otherwise."""
    if not sys.stderr.isatty() or total < 2:
        yield None
        return
    with click.progressbar(length=total, label=label, file=sys.stderr) as bar:
        yield lambda _item: bar.update(1)


plan_option = click.option("--plan", "plan_path", type=click.Path(dir_okay=False, path_type=Path),
                           default=_default_plan, show_default=str(_BUNDLED), help="Plan catalog (TOML).")
agencies_option = click.option("--agencies", type=click.Path(dir_okay=False, path_type=Path),
                               help="Agency registry (TOML); default: the one the plan names.")
key_option = click.option("--key", "key_path", type=click.Path(dir_okay=False, path_type=Path),
                          help="The secretariat's key file (see `parxl keygen`).")
due_option = click.option("--due", callback=_date, help="Return due date (dd/mm/yyyy); default: 6 days after the data window.")


@click.group()
@click.version_option(__version__)
def cli():
    """parxl: generate, collect and merge a province's quarterly PAR-plan returns in Excel."""


@cli.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite an existing key (old workbooks will no longer verify).")
def keygen(path, force):
    """Make a new secret key file for signing and verifying workbooks."""
    from .identity import keygen as make
    with _operator_errors():
        click.echo(f"key written to {make(path, force)}; keep it secret and keep a backup")


@cli.group()
def plan():
    """Inspect and check a plan catalog."""


@plan.command("show")
@click.argument("plan_path", type=click.Path(dir_okay=False, path_type=Path))
@agencies_option
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
def plan_show(plan_path, agencies, as_json):
    """Show a plan's sections, tasks, indicators and targets."""
    from .plan import load_plan
    with _operator_errors():
        p = load_plan(plan_path, agencies)
    if as_json:
        click.echo(json.dumps(p.to_dict(), ensure_ascii=False, indent=1))
        return
    click.echo(f"{p.title}\n{p.id} v{p.version}: {len(p.tasks)} tasks, {len(p.indicators)} indicators, "
               f"{len(p.reporting_agencies())} reporting agencies")
    for s in p.sections:
        click.echo(f"\n{s.code}. {s.title}")
        for i in p.indicators:
            if i.task.section == s.code:
                click.echo(f"  {i.code:<14} {i.measure:<6} {i.target_vi()[:40]:<40} {len(i.reporters):>3} agencies")


@plan.command("check")
@click.argument("plan_path", type=click.Path(dir_okay=False, path_type=Path))
@agencies_option
def plan_check(plan_path, agencies):
    """Load a plan and its registry and report every problem at once (exit 2 if any)."""
    from .plan import load_plan
    with _operator_errors():
        p = load_plan(plan_path, agencies)
    click.echo(f"ok: {len(p.tasks)} tasks, {len(p.indicators)} indicators, "
               f"{len(p.reporting_agencies())} reporting agencies in registry {p.registry.id}")


@cli.command()
@plan_option
@agencies_option
@click.option("--period", required=True, help="Reporting period, e.g. 2024-Q3.")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--agency", "only", multiple=True, help="Only this agency code (repeatable).")
@key_option
@due_option
@click.option("--issued", callback=_date, help="Issue date recorded in each workbook; default: end of the data window.")
@click.option("--password", help="Sheet-protection password (a guard for users, not security).")
@click.option("--workers", default=1, show_default=True, help="Processes to write with.")
@click.option("--force", is_flag=True, help="Replace existing files that differ from the blank workbook.")
def generate(plan_path, agencies, period, out_dir, only, key_path, due, issued, password, workers, force):
    """Write one workbook per agency that has indicators to report, named <period>_<agency>.xlsx.

    A file already there that differs from the blank workbook (a filled return?) is kept, and the
    command exits 2 naming it, unless --force."""
    from .identity import KEY_FILE_NAME, resolve_key
    from .plan import load_plan
    from .writer import generate as run
    with _operator_errors():
        p = load_plan(plan_path, agencies)
        per = Period.parse(period, due)
        key, kpath, created = resolve_key(key_path, out_dir.parent / KEY_FILE_NAME,
                                          create_at=out_dir.parent / KEY_FILE_NAME)
        if created:
            click.echo(f"made a new key at {kpath}: keep it; merge needs it", err=True)
        bad = [a for a in only if not p.assignments(a)]
        if bad:
            raise ParxlError(f"agency code(s) with nothing to report or not in the registry: {', '.join(bad)}")
        codes = list(only) or p.reporting_agencies()
        with _progress("generating", len(codes)) as tick:
            issues = run(p, per, out_dir, key, codes, issued, password, workers, tick, force)
        kept = [i.path.name for i in issues if i.kept]
        click.echo(f"{len(issues) - len(kept)} workbooks written to {out_dir}")
        if kept:
            raise ParxlError(f"{len(kept)} file(s) already in {out_dir} differ from the blank workbook and were "
                             f"kept (filled returns?): {', '.join(kept)}; use --force to replace them")


@cli.command()
@plan_option
@agencies_option
@click.option("--period", required=True, help="Reporting period, e.g. 2024-Q3.")
@click.option("--returns", "returns_dir", required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="Consolidated workbook.")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path), help="JSON report.")
@key_option
@due_option
@click.option("--strict", is_flag=True, help="Exit 1 when any error finding was made.")
@click.option("--allow-empty", is_flag=True, help="Write a report even when the folder holds no spreadsheet.")
@click.option("--workers", type=int, help="Processes to read with; default: one per core (up to 4) from 16 files.")
def merge(plan_path, agencies, period, returns_dir, out, report_path, key_path, due, strict, allow_empty, workers):
    """Read every returned workbook under --returns and write the consolidated provincial workbook.

    Refuses (exit 2, before reading anything) outputs that would overwrite a return, the key or each
    other, or that lie inside the returns folder; refuses (exit 2, writing nothing) when the folder
    holds no spreadsheet or when most signatures fail (a wrong --key)."""
    from .identity import KEY_FILE_NAME, resolve_key
    from .intake import find_returns
    from .merge import merge_to_files
    from .plan import load_plan
    from .report import section_line
    with _operator_errors():
        p = load_plan(plan_path, agencies)
        per = Period.parse(period, due)
        key, kpath, _ = resolve_key(key_path, returns_dir.parent / KEY_FILE_NAME, out.parent / KEY_FILE_NAME)
        entries = find_returns(returns_dir)
        with _progress("reading returns", sum(e.readable for e in entries)) as tick:
            report = merge_to_files(p, per, returns_dir, out, key, report_path, tick, workers, key_path=kpath,
                                    allow_empty=allow_empty, entries=entries)
    c = report.counts()
    click.echo(f"returns: {c['accepted']} accepted, {c['rejected']} rejected, {c['superseded']} superseded, "
               f"{c['skipped']} not read; {c['missing']} agencies missing")
    for s in report.by_section():
        click.echo(section_line(s))
    errors = sum(f.severity.value == "error" for f in report.findings)
    click.echo(f"{errors} error finding(s); consolidated workbook: {out}" + (f"; report: {report_path}" if report_path else ""))
    sys.exit(1 if strict and errors else 0)


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@plan_option
@agencies_option
@click.option("--period", help="Expected period; default: the one each file claims.")
@key_option
@click.option("--json", "as_json", is_flag=True, help="Print findings as JSON.")
def check(files, plan_path, agencies, period, key_path, as_json):
    """Check returned workbooks one by one, without merging (exit 1 if any has an error)."""
    from .identity import resolve_key
    from .merge import check_paths
    from .plan import load_plan
    with _operator_errors():
        p = load_plan(plan_path, agencies)
        per = Period.parse(period) if period else None
        try:
            key = resolve_key(key_path, Path("parxl.key"), *[f.parent.parent / "parxl.key" for f in files[:1]])[0]
        except KeyFileError:
            if key_path:
                raise
            key = None  # an agency checking its own file has no key: signature not verified (identity.no-key)
        results = check_paths(list(files), p, per, key)
    out = [{"file": str(c.workbook.name), "agency": c.agency, "accepted": c.accepted,
            "findings": [f.to_dict() for f in c.findings]} for c in results]
    if as_json:
        click.echo(json.dumps(out, ensure_ascii=False, indent=1))
    else:
        for c in results:
            click.echo(f"{c.workbook.name}: {'accepted' if c.accepted else 'REJECTED'} ({c.agency or '?'})")
            for f in c.findings:
                if f.severity.value != "info":
                    click.echo(f"  {f.severity.value:<7} {f.code:<28} {f.sheet or ''}!{f.cell or ''}  {f.message}")
    sys.exit(1 if any(f["severity"] == "error" for o in out for f in o["findings"]) else 0)


@cli.command()
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@plan_option
@click.option("--seed", default=2024, show_default=True, help="Seed of the simulated quarter.")
@click.option("--no-libreoffice", is_flag=True, help="Do not fill one return through LibreOffice.")
def demo(out_dir, plan_path, seed, no_libreoffice):
    """Run a whole quarter (2024-Q3) on the bundled plan: generate, simulate returns, merge."""
    from .demo import run_demo
    with _operator_errors():
        summary = run_demo(out_dir, plan_path, seed=seed, libreoffice_fill=not no_libreoffice,
                           echo=lambda s: click.echo(s, err=True))
    click.echo(summary)


def main():  # pragma: no cover
    cli()


if __name__ == "__main__":  # pragma: no cover
    main()
