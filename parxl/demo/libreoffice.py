"""LibreOffice headless, for filling and converting workbooks as agency staff would.

Used by the demo and the tests: a return typed through Calc (parsed under the user's
locale), saved with "Keep current format", or converted through .ods.  Each call runs a
private profile so it never hands its job to another running soffice.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

HERE = Path(__file__).parent


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def uno_python() -> str | None:
    """A Python that can `import uno` (Debian's python3-uno lives in the system interpreter)."""
    cands = [os.environ.get("UNO_PYTHON"), "/usr/bin/python3", shutil.which("python3")]
    for exe in cands:
        if exe and os.access(exe, os.X_OK):
            r = subprocess.run([exe, "-c", "import uno"], capture_output=True)
            if r.returncode == 0:
                return exe
    return None


def available() -> bool:
    return soffice() is not None and uno_python() is not None


def convert(src: str | Path, out_dir: str | Path, fmt: str = "xlsx") -> Path:
    """``soffice --convert-to``: open and save, no edit (fmt 'xlsx', 'ods', 'xls' or 'pdf')."""
    return convert_many([src], out_dir, fmt)[0]


def convert_many(srcs: list[str | Path], out_dir: str | Path, fmt: str = "xlsx") -> list[Path]:
    """Several files in one soffice run (starting LibreOffice is most of the cost)."""
    srcs, out_dir = [Path(s) for s in srcs], Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    filt = {"xlsx": "xlsx:Calc MS Excel 2007 XML", "ods": "ods", "xls": "xls:MS Excel 97", "pdf": "pdf"}[fmt]
    with tempfile.TemporaryDirectory() as prof:
        subprocess.run([soffice(), f"-env:UserInstallation=file://{prof}", "--headless", "--norestore",
                        "--convert-to", filt, "--outdir", str(out_dir), *map(str, srcs)],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=300 * len(srcs))
    outs = [out_dir / (s.stem + "." + fmt) for s in srcs]
    for s, out in zip(srcs, outs):
        if not out.exists():
            raise RuntimeError(f"LibreOffice did not convert {s}")
    return outs


def type_values(jobs: list[dict], locale: str = "en-US", timeout: int = 600) -> list[dict]:
    """Type text into cells through Calc and save, as a person would.

    Each job: ``{"src": path, "dst": path, "edits": [[sheet, "G7", "95,5"], ...],
    "rename": {old: new}, "saves": 1}`` (all but src, dst and edits optional;
    an edit may end with "paste" to set the text without Calc parsing it).  Values are typed with
    ``.uno:EnterString`` so Calc parses them under ``locale``; protection is honoured by
    the UI only, so locked cells can be edited here too (to simulate tampering).
    Returns, per job, what Calc stored in each cell.
    """
    py = uno_python()
    if not py or not soffice():
        raise RuntimeError("LibreOffice with python3-uno is not installed")
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "jobs.json"
        spec.write_text(json.dumps({"locale": locale, "profile": str(Path(tmp) / "profile"),
                                    "jobs": [{**j, "src": str(j["src"]), "dst": str(j["dst"])} for j in jobs]},
                                   ensure_ascii=False), encoding="utf-8")
        out = Path(tmp) / "log.json"
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
        r = subprocess.run([py, str(HERE / "uno_typist.py"), str(spec), str(out)], capture_output=True,
                           text=True, timeout=timeout, env=env)
        if r.returncode != 0:
            raise RuntimeError(f"LibreOffice typing failed: {r.stderr[-2000:]}")
        return json.loads(out.read_text(encoding="utf-8"))
