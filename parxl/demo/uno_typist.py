"""Run by the system python3 (which has Debian's `uno`): type values into workbooks through Calc.

Usage: python3 uno_typist.py JOBS.json LOG.json  (see parxl.demo.libreoffice.type_values)
Not imported by parxl itself; it runs in LibreOffice's Python.

LibreOffice 7.4 headless crashes when a document that was edited through the dispatcher is
closed, after it has been stored; so each job gets its own soffice process, the store is
checked, and the crash on close is expected and ignored.
"""
import json
import os
import shutil
import subprocess
import sys
import time

import uno  # noqa: F401
from com.sun.star.beans import PropertyValue


def pv(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def url(path):
    return uno.systemPathToFileUrl(os.path.abspath(path))


class Office:
    def __init__(self, profile, locale):
        self.pipe = f"parxl_typist_{os.getpid()}_{time.monotonic_ns()}"
        self.proc = subprocess.Popen(
            ["soffice", "--headless", "--invisible", "--nologo", "--norestore", "--nodefault", "--nolockcheck",
             f"-env:UserInstallation={url(profile)}",
             f"--accept=pipe,name={self.pipe};urp;StarOffice.ComponentContext"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
        for _ in range(240):
            try:
                self.ctx = resolver.resolve(f"uno:pipe,name={self.pipe};urp;StarOffice.ComponentContext")
                break
            except Exception:
                time.sleep(0.25)
        else:
            self.proc.kill()
            raise RuntimeError("cannot connect to soffice")
        smgr = self.ctx.ServiceManager
        self.desktop = smgr.createInstanceWithContext("com.sun.star.frame.Desktop", self.ctx)
        cp = smgr.createInstanceWithContext("com.sun.star.configuration.ConfigurationProvider", self.ctx)
        ua = cp.createInstanceWithArguments("com.sun.star.configuration.ConfigurationUpdateAccess",
                                            (pv("nodepath", "/org.openoffice.Setup/L10N"),))
        ua.replaceByName("ooSetupSystemLocale", locale)
        ua.commitChanges()
        self.disp = smgr.createInstanceWithContext("com.sun.star.frame.DispatchHelper", self.ctx)

    def load(self, path):
        doc = self.desktop.loadComponentFromURL(url(path), "_blank", 0, (pv("Hidden", True),))
        if doc is None:
            raise RuntimeError(f"LibreOffice could not load {path}")
        return doc

    def stop(self):
        try:
            self.desktop.terminate()
        except Exception:
            pass  # the bridge drops while soffice exits (or after the crash on close)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def run_job(spec, job):
    shutil.copyfile(job["src"], job["dst"])
    log = {}
    for n in range(int(job.get("saves", 1))):
        office = Office(spec["profile"], spec.get("locale", "en-US"))
        try:
            doc = office.load(job["dst"])
            ctrl = doc.getCurrentController()
            if n == 0:
                for sheet_name, ref, text, *rest in job.get("edits", []):
                    mode = rest[0] if rest else "type"
                    sh = doc.Sheets.getByName(sheet_name)
                    ctrl.setActiveSheet(sh)
                    cell = sh.getCellRangeByName(ref)
                    if mode == "paste":       # a value pasted as text, as from another program
                        cell.setString(text)
                    else:                     # typed and Enter: parsed under the locale
                        ctrl.select(cell)
                        office.disp.executeDispatch(ctrl.getFrame(), ".uno:EnterString", "", 0,
                                                    (pv("StringName", text),))
                    log[f"{sheet_name}!{ref}"] = {"typed": text, "type": cell.Type.value,
                                                  "value": cell.getValue(), "shown": cell.getString()}
                for old, new in job.get("rename", {}).items():
                    doc.Sheets.getByName(old).setName(new)
            before = os.stat(job["dst"]).st_mtime_ns
            doc.store()               # File > Save, keep current format
            if os.stat(job["dst"]).st_mtime_ns == before:
                raise RuntimeError(f"LibreOffice did not store {job['dst']}")
            try:
                doc.close(True)
            except Exception:
                pass
        finally:
            office.stop()
        lock = os.path.join(os.path.dirname(job["dst"]), ".~lock." + os.path.basename(job["dst"]) + "#")
        if os.path.exists(lock):
            os.unlink(lock)
    return log


def main(spec_path, log_path):
    spec = json.load(open(spec_path, encoding="utf-8"))
    logs = [run_job(spec, job) for job in spec["jobs"]]
    json.dump(logs, open(log_path, "w", encoding="utf-8"), ensure_ascii=False)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
