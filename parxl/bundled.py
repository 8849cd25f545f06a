"""The plans that ship with parxl, and how a plan is named on the command line.

The bundled plans live in the repository's ``templates/`` folder, one folder per plan (``plan.toml``
and the ``agencies.toml`` it names).  They are installed as the package data ``parxl.plans``
(setup.cfg maps that package onto ``templates/``), so ``pip install parxl`` carries them and they
are found with :mod:`importlib.resources` from any working folder.

A plan is named either by a path to its ``plan.toml`` or by the name of a bundled plan: its folder
name (``quangnam-2024``) or the id its file declares (``quangnam-par-2024``).  A path that exists
always wins over a bundled name.
"""
from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

from .errors import PlanError, Problem
from .i18n import _

#: The plan a command uses when it is given none and runs outside a working folder.
DEFAULT_PLAN = "quangnam-2024"
PLAN_FILE = "plan.toml"


def plans_folder() -> Path:
    """Where the bundled plans are: the installed package data, else (running from a checkout that was
    never installed) the repository's ``templates/``."""
    try:
        from importlib.resources import files
        folder = Path(str(files("parxl.plans")))
    except ModuleNotFoundError:
        folder = Path(__file__).resolve().parent.parent / "templates"
    return folder


@lru_cache(maxsize=None)
def _catalog(folder: Path) -> dict[str, Path]:
    found: dict[str, Path] = {}
    if not folder.is_dir():
        return found
    for sub in sorted(folder.iterdir()):
        plan = sub / PLAN_FILE
        if not plan.is_file():
            continue
        found.setdefault(sub.name, plan)
        try:
            declared = tomllib.loads(plan.read_text(encoding="utf-8")).get("plan", {}).get("id")
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            declared = None
        if isinstance(declared, str) and declared:
            found.setdefault(declared, plan)
    return found


def bundled_plans() -> dict[str, Path]:
    """Every name a bundled plan answers to (folder name and declared id) → its ``plan.toml``."""
    return dict(_catalog(plans_folder()))


def bundled_plan(name: str = DEFAULT_PLAN) -> Path:
    """The ``plan.toml`` of a bundled plan; :class:`PlanError` naming the bundled plans when there is none."""
    catalog = bundled_plans()
    path = catalog.get(name.strip())
    if path is None:
        names = ", ".join(sorted({p.parent.name for p in catalog.values()})) or "-"
        raise PlanError([Problem(name, "", _("no such file, and no bundled plan of that name (bundled plans: "
                                             "{names})").format(names=names))])
    return path


def resolve_plan(ref: str | Path | None) -> Path:
    """A plan given as a path or as a bundled plan's name; ``None`` is the default bundled plan.

    A folder stands for the ``plan.toml`` in it.  A path that exists is returned as it is; so is anything
    that looks like a path (a folder separator or a ``.toml`` suffix), for :func:`parxl.plan.load_plan`
    to say that it is missing."""
    if ref is None:
        return bundled_plan(DEFAULT_PLAN)
    path = Path(ref)
    text = str(ref)
    if path.is_dir():
        return path / PLAN_FILE
    if path.exists() or path.suffix.lower() == ".toml" or any(sep in text for sep in ("/", "\\")):
        return path
    return bundled_plan(text)
