"""The command line speaks Vietnamese throughout unless asked for English (issue 19).

A scripted run of the CLI with no language set — the demo (the quarter, and the year's summary on three
agencies), plan import of a small appendix, plan diff, plan show, registry import, check, history, usage
errors, a missing file or folder, a broken file, and ``--help`` of every command and subcommand (walked from
click's command tree) — must print no English of parxl's own or of click's; the same run with
``--lang en`` prints English.

English is found by words: the English words of the catalog's own msgids (parxl's and click's), less those
that also occur in Vietnamese (the msgstrs, and ASCII syllables of names such as "Hội An").  Codes, file
names, paths, option names, metavars in capitals and quoted or back-quoted text are left out first.  A test
checks that this detector sees every translated message of the catalog, so one message left untranslated
and printed fails the run.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import PARXL, ROOT

PLAN = ROOT / "templates" / "quangnam-2024" / "plan.toml"
AGENCIES = ROOT / "templates" / "quangnam-2024" / "agencies.toml"
PO = ROOT / "parxl" / "locale" / "vi" / "LC_MESSAGES" / "parxl.po"

# ASCII syllables of Vietnamese (names of places and agencies, words without diacritics) that are English
# words too, and product names: never taken as a sign of English
VIETNAMESE_ASCII = {"an", "anh", "ban", "cho", "con", "do", "in", "la", "long", "ma", "nam", "no", "on", "quan",
                    "sau", "tam", "tan", "thi", "tin", "to", "trong", "va", "xa", "hoi", "danh", "nhan", "phan",
                    "parxl", "excel", "libreoffice", "calc", "sqlite", "bash", "windows", "par", "index", "vi",
                    "en", "d"}


def _catalog():
    from babel.messages.pofile import read_po
    with PO.open("rb") as f:
        return [m for m in read_po(f) if m.id]


def _forms(m) -> tuple[str, ...]:
    return m.id if isinstance(m.id, tuple) else (m.id,)


def _msgstr(m) -> str:
    return m.string[0] if isinstance(m.string, tuple) else m.string


def _plain(text: str) -> list[str]:
    """The words of ``text`` a reader reads as language: quoted, bracketed and back-quoted text, placeholders,
    a field named in parentheses, paths, file names, codes, option names and capitals (metavars, codes) left
    out, and every word with a letter beyond ASCII (Vietnamese); lower case."""
    text = re.sub(r"\{[^}]*\}|%\([a-z_]+\)[a-z]", " ", text)             # placeholders of a msgid
    text = re.sub(r"`[^`]*`|'[^'\n]*'|\"[^\"\n]*\"|\[[^\]\d\n]*\]", " ", text)
    text = re.sub(r"\(\s*[A-Za-z_]+(?:\s+[A-Za-z_]+)?\s*\)", " ", text)   # a field named: "(value)", "(upper)"
    words = []
    for token in text.split():
        token = token.strip(".,;:!?()…—–")
        if (not token or not token.isascii() or "/" in token or "\\" in token or re.search(r"\w\.\w", token)
                or token[0] in "-$<" or "_" in token or re.search(r"\d", token) or token.isupper()):
            continue                  # a Vietnamese word, a path, a file, a code, an option, a metavar
        words += [w.lower() for w in re.findall(r"[A-Za-z]+", token)]
    return words


def _command_names() -> set[str]:
    """The names of parxl's commands and subcommands (``check``, ``history``, ``report draft``): names, not
    English, after ``parxl`` (a usage line) or heading --help's list of commands."""
    from parxl.cli import cli
    out = set()

    def walk(cmd):
        for name, sub in getattr(cmd, "commands", {}).items():
            out.update(re.findall(r"[a-z]+", name))
            walk(sub)
    walk(cli)
    return out


def _english_words() -> set[str]:
    english, vietnamese = set(), set()
    for m in _catalog():
        for form in _forms(m):
            english.update(w for w in _plain(form) if len(w) > 1)
        vietnamese.update(_plain(_msgstr(m)))
    return english - vietnamese - VIETNAMESE_ASCII


ENGLISH = _english_words()
COMMANDS = _command_names()
_PROG = re.compile(r"(?<![\w/.-])parxl(?![\w/.-])((?:\s+(?:" + "|".join(sorted(COMMANDS)) + r")(?![\w/.-]))*)")


def english_in(text: str) -> list[str]:
    """The lines of ``text`` that read as English, each with the English words found."""
    out = []
    text = _PROG.sub(" ", re.sub(r"`[^`]*`", " ", text))         # a command quoted may run over a line break
    for line in text.splitlines():
        listed = re.match(r"^\s{2}([a-z]+)\s{2,}", line)            # a command in --help's list of commands
        if listed and listed.group(1) in COMMANDS:
            line = line[listed.end():]
        found = [w for w in _plain(line) if w in ENGLISH]
        if found:
            out.append(f"{line.strip()}   <- {' '.join(dict.fromkeys(found))}")
    return out


# -- the detector sees every message ----------------------------------------------------------------------

def test_the_detector_sees_every_translated_message_and_no_vietnamese_one():
    """Every msgid whose Vietnamese differs (parxl's and click's) holds a word the detector takes for English,
    so printing it untranslated fails the run; no msgstr reads as English."""
    blind = [m.id for m in _catalog() if _msgstr(m) != m.id and not english_in("\n".join(_forms(m)))]
    # only placeholders, codes or names are left in these: nothing to read as a language
    assert all(not _plain(f) or set(_plain(f)) <= VIETNAMESE_ASCII for m in blind
               for f in (m if isinstance(m, tuple) else (m,))), blind
    assert not [_msgstr(m) for m in _catalog() if english_in(_msgstr(m))]
    assert english_in("Error: Missing option '--out'.") and english_in("54 target-changed")
    assert not english_in("Lỗi: thiếu tùy chọn '--out'. Xem /tmp/a/b.xlsx, III.4.2/1, HOIAN, --agency")


# -- the scripted run ------------------------------------------------------------------------------------

def _env(lang: str | None) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PARXL_LANG", "PARXL_FOLDER")}
    env["PYTHONPATH"] = str(ROOT)
    env["LANG"] = "en_US.UTF-8"        # the server's locale is English: parxl does not follow it
    if lang:
        env["PARXL_LANG"] = lang
    return env


def _run(lang: str | None, *args, cwd: Path) -> subprocess.CompletedProcess:
    prefix = ["--lang", lang] if lang else []
    return subprocess.run([*PARXL, *prefix, *map(str, args)], capture_output=True, text=True, cwd=cwd,
                          env=_env(None), timeout=600)


HELP_WALK = r"""
import sys
import click
from click.testing import CliRunner
from parxl.cli import cli

def walk(cmd, path):
    yield path
    for name, sub in getattr(cmd, "commands", {}).items():
        yield from walk(sub, path + [name])

runner = CliRunner()
for path in walk(cli, []):
    r = runner.invoke(cli, [*sys.argv[1:], *path, "--help"], prog_name="parxl")
    print(f"### parxl {' '.join(path)} ({r.exit_code})")
    print(r.output)
"""

YEAR = r"""
import sys
from parxl.i18n import choose, set_language
from parxl.demo import run_year
set_language(choose(sys.argv[3] if len(sys.argv) > 3 else None))
print(run_year(sys.argv[1], sys.argv[2], agencies=["SNV", "HOIAN", "TAMKY"], echo=print))
"""


def _appendix(path: Path) -> Path:
    """A small appendix, as a secretariat receives it: one section, four tasks whose wording the importer
    must question (a count after 'trên', a change without its year, an agency the registry does not know,
    a task without deadline)."""
    import docx
    d = docx.Document()
    d.add_paragraph("KẾ HOẠCH")
    d.add_paragraph("Nâng cao Chỉ số cải cách hành chính tỉnh Quảng Nam năm 2024")
    t = d.add_table(rows=0, cols=6)
    rows = [("Số TT", "Nhiệm vụ cụ thể", "Tiến độ", "Cơ quan chủ trì", "Cơ quan phối hợp", "Kết quả/sản phẩm"),
            ("I", "CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH CCHC", "", "", "", ""),
            ("1", "Tổ chức đối thoại với doanh nghiệp", "Quý III/2024", "Sở Nội vụ", "Sở Tư pháp",
             "Tổ chức trên 05 cuộc đối thoại"),
            ("2", "Giảm chi phí tuân thủ thủ tục hành chính", "Năm 2024", "Văn phòng UBND tỉnh", "",
             "Chi phí giảm 10%"),
            ("3", "Kiểm tra công tác cải cách hành chính", "Trong năm 2024", "Sở Kỳ Lạ",
             "Các sở, ban, ngành", "Tỷ lệ cơ quan được kiểm tra đạt trên 95%"),
            ("x", "Tuyên truyền cải cách hành chính", "", "Sở Nội vụ", "", "Tổ chức 02 hội nghị")]
    for row in rows:
        cells = t.add_row().cells
        if row[0] == "I":
            cells[0].merge(cells[5]).text = f"{row[0]}. {row[1]}"
            continue
        for c, text in zip(cells, row):
            c.text = text
    d.save(str(path))
    return path


def _script(lang: str | None, tmp: Path) -> dict[str, subprocess.CompletedProcess]:
    """The scripted run, step by step, in one language (None: none set)."""
    tmp.mkdir(parents=True, exist_ok=True)
    steps: dict[str, subprocess.CompletedProcess] = {}
    run = lambda name, *args: steps.__setitem__(name, _run(lang, *args, cwd=tmp))  # noqa: E731
    run("demo", "demo", tmp / "demo", "--no-libreoffice")
    steps["demo --year"] = subprocess.run(
        [sys.executable, "-c", YEAR, tmp / "year", PLAN, *([lang] if lang else [])], capture_output=True,
        text=True, cwd=tmp, env=_env(None), timeout=600)
    ledger = tmp / "year" / "parxl-ledger.sqlite"
    appendix = _appendix(tmp / "phu-luc.docx")
    run("plan import", "plan", "import", appendix, "--agencies", AGENCIES, "--out", tmp / "draft.toml")
    draft = (tmp / "draft.toml").read_text(encoding="utf-8") if (tmp / "draft.toml").exists() else ""
    steps["the draft's notes"] = subprocess.CompletedProcess([], 0, "\n".join(   # the comments, and each
        ln if ln.startswith("#") else json.loads(ln.split("=", 1)[1])  # review and note line's text
        for ln in draft.splitlines() if ln.startswith(("#", "review =", "note ="))), "")
    # the draft with its review lines deleted, as the secretariat leaves it: then plan diff reads it
    (tmp / "checked.toml").write_text("\n".join(ln for ln in draft.splitlines() if not ln.startswith("review"))
                                      .replace("Sở Kỳ Lạ", "Sở Nội vụ"), encoding="utf-8")
    run("plan diff", "plan", "diff", PLAN, tmp / "checked.toml")
    run("plan check --draft", "plan", "check", "--draft", tmp / "draft.toml")
    run("plan show", "plan", "show")
    (tmp / "list.csv").write_text("ma,ten\nSNV,Sở Nội vụ\n", encoding="utf-8")
    run("registry import, a list without its columns", "registry", "import", tmp / "list.csv", "--out",
        tmp / "agencies.toml")
    (tmp / "list2.csv").write_text("code,name,group,parent\nSNV,Sở Nội vụ,Sở, ban, ngành,\n1X,,,ZZZ\nSNV,,x,\n",
                                   encoding="utf-8")
    run("registry import, bad rows", "registry", "import", tmp / "list2.csv", "--out", tmp / "agencies.toml")
    returned = tmp / "demo" / "returns"
    own = tmp / "co-quan" / "bao-cao"                  # an agency checking its own files: no key anywhere near
    own.mkdir(parents=True)
    for p in sorted(returned.glob("*.xlsx"))[:3] if returned.is_dir() else []:
        shutil.copyfile(p, own / p.name)
    run("check without a key", "check", *sorted(own.iterdir()), "--plan", PLAN)
    (tmp / "hong.xlsx").write_bytes(b"PK\x03\x04 not a zip at all")
    run("check a broken file", "check", tmp / "hong.xlsx", "--key", tmp / "demo" / "parxl.key")
    (tmp / "hong.docx").write_bytes(b"PK\x03\x04 not a zip at all")
    run("plan import of a broken file", "plan", "import", tmp / "hong.docx", "--agencies", AGENCIES, "--out",
        tmp / "x.toml")
    run("init", "init", tmp / "so-noi-vu")
    run("keygen", "keygen", tmp / "khoa.key")
    run("generate", "generate", "2024-Q3", "--agency", "SNV", "--agency", "HOIAN", "--out", tmp / "phat-hanh",
        "--key", tmp / "khoa.key")
    run("merge", "merge", "2024-Q3", "--returns", returned, "--out", tmp / "tong-hop.xlsx", "--key",
        tmp / "demo" / "parxl.key", "--no-ledger")
    run("report reminders", "report", "reminders", "2024-Q3", "--returns", returned, "--key", tmp / "demo" / "parxl.key",
        "--out", tmp / "van-ban", "--as-of", "01/11/2024")
    run("history, a mistyped agency", "history", "--ledger", ledger, "--agency", "HOIANN")
    run("history", "history", "--ledger", ledger, "--agency", "HOIAN")
    run("usage: a missing option", "plan", "import", appendix, "--agencies", AGENCIES)
    run("usage: a missing file", "check", tmp / "khong-co.xlsx")
    run("usage: a missing argument", "plan", "diff", PLAN)
    run("usage: no such command", "kiemtra")
    run("usage: no such option", "merge", "--bogus")
    run("usage: not an integer", "generate", "2024-Q3", "--workers", "abc", "--out", tmp / "o")
    run("usage: a bad choice", "--lang", "fr", "plan", "show") if lang is None else None
    run("a missing returns folder", "merge", "2024-Q3", "--returns", tmp / "khong-co", "--out", tmp / "th.xlsx",
        "--key", tmp / "demo" / "parxl.key", "--no-ledger")
    run("a missing working folder", "--folder", tmp / "khong-co", "plan", "show")
    run("a missing ledger", "history", "--ledger", tmp / "khong-co.sqlite", "--agency", "SNV")
    (tmp / "mot-tep").write_text("")
    run("an output folder that cannot be made", "demo", tmp / "mot-tep" / "demo", "--no-libreoffice")
    (tmp / "list3.csv").write_text('code,name,group,parent\nSNV,Sở Nội vụ,"Sở, ban, ngành",\n', encoding="utf-8")
    run("a registry that cannot be written", "registry", "import", tmp / "list3.csv", "--out",
        tmp / "mot-tep" / "agencies.toml")
    run("version", "--version")
    steps["--help of every command"] = subprocess.run(
        [sys.executable, "-c", HELP_WALK, *(["--lang", lang] if lang else [])], capture_output=True, text=True,
        cwd=tmp, env=_env(None), timeout=600)
    return steps


@pytest.fixture(scope="module")
def vietnamese(tmp_path_factory):
    return _script(None, tmp_path_factory.mktemp("vi"))


@pytest.fixture(scope="module")
def english(tmp_path_factory):
    return _script("en", tmp_path_factory.mktemp("en"))


def test_with_no_language_set_nothing_is_english(vietnamese):
    found = {name: english_in(r.stdout + r.stderr) for name, r in vietnamese.items()}
    assert not any(found.values()), json.dumps({k: v for k, v in found.items() if v}, ensure_ascii=False, indent=1)
    for name, r in vietnamese.items():
        assert "Traceback" not in r.stderr, (name, r.stderr)
        assert (r.stdout + r.stderr).strip(), name                   # each step said something
    helps = vietnamese["--help of every command"].stdout
    heads = re.findall(r"^### parxl .*\((\d+)\)$", helps, re.M)
    assert len(heads) >= 14 and set(heads) == {"0"}, heads
    assert helps.count("Cách dùng: parxl") == helps.count("### parxl")


def test_with_lang_en_every_step_is_english(english):
    quiet = {name for name, r in english.items() if not english_in(r.stdout + r.stderr)}
    assert not quiet, quiet
    assert "Traceback" not in "".join(r.stderr for r in english.values())


def test_the_slips(vietnamese, english):
    """The section lines name their sections; check without a key says so; history suggests the close code
    and shows units; a return accepted with errors is not called valid."""
    demo = vietnamese["demo"].stdout
    assert "  III. CẢI CÁCH THỦ TỤC HÀNH CHÍNH" in demo and "chỉ tiêu theo từng phần" in demo
    assert "sổ tổng hợp cả năm:" in vietnamese["demo --year"].stdout
    assert "chưa xác minh chữ ký" in vietnamese["check without a key"].stderr
    assert "signatures not verified" in english["check without a key"].stderr
    mistyped = vietnamese["history, a mistyped agency"]
    assert mistyped.returncode == 2 and "HOIAN – UBND thành phố Hội An" in mistyped.stderr
    assert re.search(r"\d%\s", vietnamese["history"].stdout)                 # a rate's value with its unit
    assert "hợp lệ, có" not in "".join(r.stdout for r in vietnamese.values())
    notes = vietnamese["the draft's notes"].stdout
    assert "'trên' đứng trước một số lượng" in notes and "Bản dự thảo kế hoạch do `parxl plan import`" in notes
    assert "'trên' before a count may mean 'on'" in english["the draft's notes"].stdout
    assert "Thiếu tùy chọn '--out'" in vietnamese["usage: a missing option"].stderr
    assert "Missing option '--out'" in english["usage: a missing option"].stderr
