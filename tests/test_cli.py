"""The command line as the secretariat meets it: Vietnamese by default, English on request, suggestions
for what people mistype, plain words for a broken plan, and a progress bar only on a terminal.

Every case runs ``python -m parxl`` as a subprocess.  Wording is asserted here (and only here) because
the wording is what this file is about; the finding codes are asserted elsewhere."""
from __future__ import annotations

import ast
import gettext
import io
import re
import shlex
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from conftest import KEY, PARXL, PLAN, ROOT, cli, cli_env, fill
from parxl.errors import UsageError
from parxl.periods import Period

PO = ROOT / "parxl" / "locale" / "vi" / "LC_MESSAGES" / "parxl.po"
MO = PO.with_suffix(".mo")


GOOD = {"III.4.2/1": {"numerator": 96, "denominator": 100}}
BAD = {"III.4.2/1": {"numerator": 120, "denominator": 100}}     # numerator > denominator: an error, not a rejection


@pytest.fixture
def desk(plan, issued, tmp_path):
    """A secretariat's folder: the key, two good returns."""
    (tmp_path / "parxl.key").write_text(KEY.hex())
    (tmp_path / "returns").mkdir()
    for a in ("TAMKY", "HOIAN"):
        fill(issued, plan, a, tmp_path / "returns" / f"{a.lower()}.xlsx", GOOD)
    return tmp_path


def _merge(desk, *extra, **env):
    return cli("merge", "--period", "2024-Q3", "--returns", desk / "returns", "--key", desk / "parxl.key",
               "--out", desk / "out" / "th.xlsx", *extra, **env)


# -- the language -----------------------------------------------------------------------------------------

def test_merge_speaks_vietnamese_by_default(plan, desk):
    r = _merge(desk)
    assert r.returncode == 0, r.stderr
    missing = len(plan.reporting_agencies()) - 2
    assert "2 được tiếp nhận, 0 bị từ chối" in r.stdout and f"{missing} cơ quan chưa nộp" in r.stdout
    assert "sổ tổng hợp" in r.stdout and "chỉ tiêu" in r.stdout
    assert "accepted" not in r.stdout and "agencies" not in r.stdout


def test_the_servers_LANG_does_not_switch_to_english(desk):
    r = _merge(desk, LANG="en_US.UTF-8", LC_ALL="C.UTF-8")
    assert r.returncode == 0, r.stderr
    assert "được tiếp nhận" in r.stdout and "accepted" not in r.stdout


@pytest.mark.parametrize("how", ["option", "env"])
def test_merge_speaks_english_on_request(plan, desk, how):
    r = cli("--lang", "en", "merge", "--period", "2024-Q3", "--returns", desk / "returns", "--key",
            desk / "parxl.key", "--out", desk / "out" / "th.xlsx") if how == "option" else _merge(desk, PARXL_LANG="en")
    assert r.returncode == 0, r.stderr
    assert "2 accepted, 0 rejected" in r.stdout and f"{len(plan.reporting_agencies()) - 2} agencies missing" in r.stdout
    assert "được tiếp nhận" not in r.stdout


def test_the_option_wins_over_the_environment(desk):
    r = cli("--lang", "vi", "plan", "check", PARXL_LANG="en")
    assert r.returncode == 0 and "hợp lệ" in r.stdout


@pytest.mark.parametrize("agencies,vi,en", [
    pytest.param(["SNV"], "đã ghi 1 biểu mẫu vào", "1 workbook written to", id="one_workbook"),
    pytest.param(["SNV", "TAMKY"], "đã ghi 2 biểu mẫu vào", "2 workbooks written to", id="two_workbooks"),
])
def test_generate_counts_workbooks_in_each_language(tmp_path, agencies, vi, en):
    (tmp_path / "parxl.key").write_text(KEY.hex())
    args = ["generate", "--period", "2024-Q3", "--out", tmp_path / "out", "--key", tmp_path / "parxl.key"]
    for a in agencies:
        args += ["--agency", a]
    r = cli(*args)
    assert r.returncode == 0, r.stderr
    assert vi in r.stdout
    r = cli("--lang", "en", *args)
    assert r.returncode == 0, r.stderr
    assert en in r.stdout


def test_operator_errors_are_translated_and_exit_2(tmp_path):
    r = cli("merge", "--period", "2024-Q3", "--returns", tmp_path / "nowhere", "--key", tmp_path / "none.key",
            "--out", tmp_path / "th.xlsx")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.startswith("Lỗi: ") and "không tìm thấy tệp khóa" in r.stderr
    r = cli("--lang", "en", "merge", "--period", "2024-Q3", "--returns", tmp_path / "nowhere", "--key",
            tmp_path / "none.key", "--out", tmp_path / "th.xlsx")
    assert r.returncode == 2 and r.stderr.startswith("Error: ") and "key file" in r.stderr


# -- periods and agencies: what people type ---------------------------------------------------------------

@pytest.mark.parametrize("text", ["2024-Q3", "2024-q3", "2024Q3", "2024 q3", "2024/Q3", "Q3-2024", "q3/2024",
                                  "quý 3 2024", "Quý 3/2024", "quý III năm 2024", "Quy 3 nam 2024", " 2024-Q3 "])
def test_period_spellings_people_use(text):
    assert Period.parse(text).code == "2024-Q3"


@pytest.mark.parametrize("text,suggested", [
    pytest.param("2024-3", "2024-Q3", id="quarter_without_Q"),
    pytest.param("2024-Q5", "2024-Q3", id="no_such_quarter"),
    pytest.param("Q3", "-Q3", id="no_year"),
    pytest.param("snv", "-Q3", id="not_a_period"),
])
def test_a_period_that_cannot_be_read_is_refused_with_the_form_to_use(text, suggested):
    with pytest.raises(UsageError) as e:
        Period.parse(text)
    assert suggested in str(e.value)


def test_generate_accepts_a_lower_case_period_and_agency(tmp_path):
    (tmp_path / "parxl.key").write_text(KEY.hex())
    r = cli("generate", "--period", "2024-q3", "--out", tmp_path / "out", "--key", tmp_path / "parxl.key",
            "--agency", "snv")
    assert r.returncode == 0, r.stderr
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["2024-Q3_SNV.xlsx"]


def test_generate_refuses_2024_3_and_names_2024_Q3(tmp_path):
    r = cli("generate", "--period", "2024-3", "--out", tmp_path / "out", "--key", tmp_path / "k")
    assert r.returncode == 2 and "2024-Q3" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "out").exists() and not (tmp_path / "k").exists()


def test_an_unknown_agency_code_gets_the_close_ones(tmp_path):
    r = cli("generate", "--period", "2024-Q3", "--out", tmp_path / "out", "--agency", "SNVV")
    assert r.returncode == 2, r.stdout
    assert "SNVV" in r.stderr and "SNV – Sở Nội vụ" in r.stderr and "có phải" in r.stderr
    assert not (tmp_path / "out").exists() and not (tmp_path / "parxl.key").exists()   # refused before any key


def test_an_agency_name_with_a_typo_gets_its_code(tmp_path):
    r = cli("--lang", "en", "generate", "--period", "2024-Q3", "--out", tmp_path / "out", "--agency", "Sở Nội vu")
    assert r.returncode == 2 and "did you mean: SNV" in r.stderr


# -- plans --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("cmd", ["check", "show"])
def test_plan_commands_default_to_the_bundled_plan(plan, cmd, tmp_path):
    r = cli("plan", cmd, cwd=tmp_path)          # not from the checkout: parxl finds its own bundled plan
    assert r.returncode == 0, r.stderr
    assert (f"{len(plan.tasks)} nhiệm vụ, {len(plan.indicators)} chỉ tiêu, "
            f"{len(plan.reporting_agencies())} cơ quan báo cáo") in r.stdout


def test_a_registry_given_as_a_plan_is_named_as_such():
    r = cli("plan", "check", PLAN.parent / "agencies.toml")
    assert r.returncode == 2
    assert "danh mục cơ quan, không phải kế hoạch" in r.stderr
    assert "Field required" not in r.stderr and "Extra inputs" not in r.stderr
    r = cli("--lang", "en", "plan", "check", PLAN.parent / "agencies.toml")
    assert r.returncode == 2 and "looks like an agency registry, not a plan" in r.stderr


def test_a_plan_given_as_a_registry_is_named_as_such():
    r = cli("plan", "check", "--agencies", PLAN)
    assert r.returncode == 2 and "là một kế hoạch, không phải danh mục cơ quan" in r.stderr


def test_validation_problems_are_in_plain_words_with_their_place(tmp_path):
    text = PLAN.read_text(encoding="utf-8")
    text = text.replace("\ntitle = ", "\ntitel = ", 1)                       # the plan's own title, misspelt
    text = text.replace('measure = "rate"', 'measure = "ratio"', 1)
    (tmp_path / "plan.toml").write_text(text, encoding="utf-8")
    shutil.copy(PLAN.parent / "agencies.toml", tmp_path / "agencies.toml")
    r = cli("plan", "check", tmp_path / "plan.toml")
    assert r.returncode == 2, r.stdout
    lines = r.stderr.splitlines()
    assert any(ln.endswith(": title: thiếu trường bắt buộc") for ln in lines), r.stderr
    assert any(ln.endswith(": titel: trường không được phép: titel (có phải ý là title?)") for ln in lines), r.stderr
    assert any(".measure: phải là một trong các giá trị: 'rate', 'count', 'change', 'done'" in ln
               for ln in lines), r.stderr
    for jargon in ("Field required", "Extra inputs", "Input should", "literal_error"):
        assert jargon not in r.stderr
    r = cli("--lang", "en", "plan", "check", tmp_path / "plan.toml")
    assert "title: required field missing" in r.stderr and "field not allowed: titel (did you mean title?)" in r.stderr


# -- check: what each file is ------------------------------------------------------------------------------

@pytest.fixture
def three_files(plan, issued, tmp_path):
    """A good return, a return with an error that does not reject it, and two rejected files: one signed
    with another key (it still says which agency it claims to be) and one that is no workbook at all."""
    from parxl.writer import generate
    d = tmp_path / "nhan"
    d.mkdir()
    (tmp_path / "parxl.key").write_text(KEY.hex())
    good = fill(issued, plan, "TAMKY", d / "a-good.xlsx", GOOD)
    bad = fill(issued, plan, "HOIAN", d / "b-bad-value.xlsx", BAD)
    other = {i.agency: i.path for i in generate(plan, Period.parse("2024-Q3"), tmp_path / "other", b"\x22" * 32,
                                                ["SNV"])}
    forged = shutil.copy(other["SNV"], d / "c-other-key.xlsx")
    junk = d / "d-junk.xlsx"
    junk.write_bytes(b"not a workbook")
    return tmp_path, [good, bad, Path(forged), junk]


def test_check_says_accepted_accepted_with_errors_or_rejected(three_files):
    home, files = three_files
    r = cli("check", *files, "--key", home / "parxl.key")
    assert r.returncode == 1, r.stderr                       # an error finding: exit 1, as before
    status = {Path(ln.split(": ", 1)[0]).name: ln.split(": ", 1)[1] for ln in r.stdout.splitlines()
              if not ln.startswith(" ")}
    assert status["a-good.xlsx"] == "được tiếp nhận (TAMKY – UBND thành phố Tam Kỳ)"
    assert status["b-bad-value.xlsx"].startswith("được tiếp nhận, nhưng còn 1 lỗi cần sửa (HOIAN")
    assert status["c-other-key.xlsx"] == "bị từ chối (tệp ghi là SNV – Sở Nội vụ)"
    assert status["d-junk.xlsx"] == "bị từ chối (không rõ cơ quan)"
    assert "(?)" not in r.stdout and "REJECTED" not in r.stdout
    assert "Tử số (120) lớn hơn mẫu số (100)" in r.stdout            # the finding's Vietnamese message


def test_check_in_english(three_files):
    home, files = three_files
    r = cli("--lang", "en", "check", *files, "--key", home / "parxl.key")
    assert r.returncode == 1
    assert "a-good.xlsx: accepted (TAMKY" in r.stdout
    assert "b-bad-value.xlsx: accepted, with 1 error (HOIAN" in r.stdout
    assert "c-other-key.xlsx: rejected (claims SNV" in r.stdout
    assert "d-junk.xlsx: rejected (agency unknown)" in r.stdout
    assert "Numerator (120) exceeds denominator (100)" in r.stdout


# -- progress: on a terminal only ----------------------------------------------------------------------------

def _generate_args(tmp_path):
    (tmp_path / "parxl.key").write_text(KEY.hex())
    return ["generate", "--period", "2024-Q3", "--out", tmp_path / "out", "--key", tmp_path / "parxl.key",
            "--agency", "SNV", "--agency", "TAMKY", "--agency", "HOIAN"]


def test_no_progress_bar_on_a_pipe(tmp_path, desk, three_files):
    r = cli(*_generate_args(tmp_path))
    assert r.returncode == 0 and r.stderr == "", r.stderr
    r = _merge(desk)
    assert r.returncode == 0 and r.stderr == "", r.stderr
    home, files = three_files
    r = cli("check", *files, "--key", home / "parxl.key")
    assert r.stderr == "", r.stderr
    assert "đang" not in r.stdout and "[#" not in r.stdout


@pytest.mark.skipif(not shutil.which("script"), reason="util-linux script (a pseudo-terminal) is not installed")
@pytest.mark.parametrize("lang,label", [("vi", "đang tạo biểu mẫu"), ("en", "generating")])
def test_a_progress_bar_on_a_terminal(tmp_path, lang, label):
    cmd = shlex.join([*PARXL, "--lang", lang, *map(str, _generate_args(tmp_path))])
    r = subprocess.run(["script", "-q", "-e", "-c", cmd, "/dev/null"], capture_output=True, text=True, cwd=ROOT,
                       env=cli_env(), timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert label in r.stdout


# -- the catalog --------------------------------------------------------------------------------------------

def _catalog(mo_bytes: bytes) -> dict:
    """What a reader of the .mo gets: every msgid (and plural msgid, per form) with its msgstr, the charset
    and the plural rule (nplurals, and the form it picks for 0..200) — not the header's other lines, such as
    Generated-By, which name the compiling tool's version and change with it."""
    t = gettext.GNUTranslations(io.BytesIO(mo_bytes))
    nplurals = re.search(r"nplurals\s*=\s*(\d+)", t.info().get("plural-forms", ""))
    return {"messages": {k: v for k, v in t._catalog.items() if k != ""},     # "" is the header
            "charset": (t.charset() or "").lower(), "nplurals": nplurals and int(nplurals[1]),
            "plural": [t.plural(n) for n in range(201)]}


def _compile_po(edit=lambda cat: None) -> bytes:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po
    with PO.open("rb") as f:
        cat = read_po(f)
    edit(cat)
    buf = io.BytesIO()
    write_mo(buf, cat)
    return buf.getvalue()


def test_the_committed_mo_says_what_the_po_says():
    """parxl.mo is compiled from parxl.po with Babel (a test extra); recompiling must give the same messages,
    charset and plural rule, so an edit of the .po without `pybabel compile -d parxl/locale -D parxl -l vi`
    fails here. Which Babel compiled it does not matter."""
    committed = _catalog(MO.read_bytes())
    assert committed["messages"], "the committed parxl.mo holds no message"
    assert committed["charset"] == "utf-8" and committed["nplurals"] == 1, {**committed, "messages": "…"}
    assert committed == _catalog(_compile_po()), "run: pybabel compile -d parxl/locale -D parxl -l vi"


def test_the_mo_comparison_sees_messages_and_plurals_but_not_the_babel_version(monkeypatch):
    import babel.messages.catalog
    base = _compile_po()
    monkeypatch.setattr(babel.messages.catalog, "VERSION", "0.0.1")
    other_babel = _compile_po()
    assert b"Generated-By: Babel 0.0.1" in other_babel and other_babel != base
    assert _catalog(other_babel) == _catalog(base)

    def reword(cat):
        m = next(m for m in cat if m.id and isinstance(m.id, str))
        m.string += " (sửa)"

    def two_forms(cat):
        cat._num_plurals, cat._plural_expr = 2, "(n != 1)"
    assert _catalog(_compile_po(reword))["messages"] != _catalog(base)["messages"]
    assert _catalog(_compile_po(two_forms)) != _catalog(base)


def _help_messages() -> set[str]:
    """Every --help text of the command tree (docstrings, options' help=): msgids the CLI translates when
    click shows them (parxl.cli), as click cleans them (inspect.cleandoc)."""
    import inspect

    from parxl.cli import cli
    out = set()

    def walk(cmd):
        for text in [cmd.__dict__.get("help")] + [p.__dict__.get("help") for p in cmd.params]:
            if text:
                out.add(inspect.cleandoc(text))
        for sub in getattr(cmd, "commands", {}).values():
            walk(sub)
    walk(cli)
    return out


def _click_messages() -> dict[str, str]:
    """The msgids the installed click passes to gettext/ngettext, each with its click module: for ngettext the
    singular, which gettext looks a plural message up by (click 8.1 and 8.5 give one singular two plurals)."""
    import click
    out = {}
    for path in Path(click.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("_", "ngettext"):
                for arg in node.args[:1]:
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                        out[arg.value] = path.name
    return out


def _source_messages() -> set[str]:
    """Every English source string the code passes to _(), N_() (a finding's message) or ngettext() (both
    forms), and the --help texts."""
    out = _help_messages()
    for path in (ROOT / "parxl").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("_", "N_", "ngettext"):
                n = 1 if node.func.id in ("_", "N_") else 2
                for arg in node.args[:n]:
                    assert isinstance(arg, ast.Constant) and isinstance(arg.value, str), \
                        f"{path.name}:{node.lineno}: a translated message must be a literal (format it after _())"
                    out.add(arg.value)
    return out


def test_every_message_in_the_code_is_translated_and_nothing_is_left_over():
    from babel.messages.pofile import read_po
    with PO.open("rb") as f:
        cat = read_po(f)
    ids, of_click = {}, set()
    for m in cat:
        if m.id:
            strings = m.string if isinstance(m.string, tuple) else (m.string,)
            forms = m.id if isinstance(m.id, tuple) else (m.id,)
            for i in forms:
                ids[i] = strings[0]                  # Vietnamese: one form for every count
            if "click" in m.auto_comments:           # click's own message (another click release may use it)
                of_click.update(forms)
            assert not m.fuzzy, m.id
            said = set().union(*(re.findall(r"\{[^}]*\}", i) for i in forms))
            in_vi = set(re.findall(r"\{[^}]*\}", strings[0]))
            # click formats both forms' placeholders into either; parxl's say the same in both languages, but a
            # finding's Vietnamese may leave out what would be English there (file.not-xlsx: the zip library's words)
            finding = any(c.startswith("finding ") for c in m.auto_comments)
            assert in_vi <= said if "click" in m.auto_comments or finding else in_vi == said, m.id
    used = _source_messages()
    assert used <= set(ids), sorted(used - set(ids))
    assert set(ids) - of_click <= used, sorted(set(ids) - of_click - used)
    for msgid, msgstr in ids.items():
        assert msgstr.strip(), msgid
        assert unicodedata.normalize("NFC", msgstr) == msgstr, msgid


def test_every_message_of_click_is_in_the_catalog():
    """click's usage errors, "Usage:", "Options", its --help option: all of them speak Vietnamese (parxl.i18n
    points click's gettext at parxl's catalog), for the click installed."""
    from babel.messages.pofile import read_po
    with PO.open("rb") as f:
        cat = read_po(f)
    ids = {i for m in cat if m.id for i in (m.id if isinstance(m.id, tuple) else (m.id,))}
    missing = {m: where for m, where in _click_messages().items() if m not in ids}
    assert not missing, missing


def test_vietnamese_has_one_plural_form():
    t = gettext.GNUTranslations(io.BytesIO(MO.read_bytes()))
    assert t.ngettext("{n} task", "{n} tasks", 1) == t.ngettext("{n} task", "{n} tasks", 5) == "{n} nhiệm vụ"
