"""Shared fixtures: the bundled plan, a key, workbooks generated once per session."""
from __future__ import annotations

import datetime as dt
import os
import shutil
import sys
from pathlib import Path

import pytest

from parxl.demo import libreoffice
from parxl.periods import Period
from parxl.plan import load_plan
from parxl.writer import generate

ROOT = Path(__file__).resolve().parent.parent
PLAN = ROOT / "templates" / "quangnam-2024" / "plan.toml"
SEED = ROOT.parent / "shared" / "seed" / "000_e9165317fb568495.txt"
KEY = bytes.fromhex("11" * 32)


def pytest_collection_modifyitems(config, items):
    if libreoffice.available():
        return
    if os.environ.get("PARXL_REQUIRE_LIBREOFFICE") == "1":
        return  # the tests will run and fail: CI must have LibreOffice
    skip = pytest.mark.skip(reason="LibreOffice (soffice + python3-uno) is not installed")
    for item in items:
        if "libreoffice" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def plan():
    return load_plan(PLAN)


@pytest.fixture(scope="session")
def period():
    return Period.parse("2024-Q3")


@pytest.fixture(scope="session")
def issued(plan, period, tmp_path_factory):
    """Every agency's workbook for 2024-Q3, generated once; tests copy, never modify them."""
    out = tmp_path_factory.mktemp("issued")
    return {i.agency: i.path for i in generate(plan, period, out, KEY)}


@pytest.fixture
def returns_dir(tmp_path):
    d = tmp_path / "returns"
    d.mkdir()
    return d


def copy_to(src: Path, dst: Path) -> Path:
    shutil.copyfile(src, dst)
    return dst


WHEN = dt.datetime(2024, 9, 16, 10, 0, tzinfo=dt.timezone.utc)
PARXL = [sys.executable, "-m", "parxl"]   # the CLI, whatever the PATH holds
