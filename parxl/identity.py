"""Template identity: what a workbook claims to be, and the secretariat's signature over it.

Sheet protection is a convenience, not security; a return proves where it came from by
an HMAC-SHA256 signature over its identity fields, made with the secretariat's secret
key when the workbook was generated.  Nobody without the key can forge one.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from .errors import KeyFileError
from .i18n import _, os_reason
from .sheetnames import IDENTITY_SHEET

KEY_FILE_NAME = "parxl.key"
_HEADER = "# parxl secretariat key: keep it secret; anyone who has it can sign workbooks.\n"

# The signed fields, in signing order.  ``signature`` itself is stored beside them.
FIELDS = ("format", "plan_id", "plan_version", "agency", "period", "template_id", "issued", "layout_hash")
# Signed after FIELDS when present (a workbook without them signs exactly as before): ``carried``, the manifest
# of values prefilled from last period (:mod:`parxl.carryover`).
OPTIONAL_FIELDS = ("carried", "refill")     # refill: the return a re-issued workbook corrects (parxl.reissue)


def find_identity(sheets: dict[str, list[list]]) -> tuple[str, dict[str, str]] | None:
    """The identity a workbook holds and the sheet holding it, from ``sheets`` (each sheet's rows of values, as
    read): the sheet named _parxl or, if it was renamed, the first that holds one (a ``signature`` and a
    ``template_id`` among the key/value pairs of its first 40 rows).  None when no sheet does."""
    names = [IDENTITY_SHEET] + [n for n in sheets if n != IDENTITY_SHEET]
    for name in names:
        rows = sheets.get(name)
        if rows is None:
            continue
        kv = {}
        for row in rows[:40]:
            if len(row) >= 2 and isinstance(row[0], str) and row[0] in (*FIELDS, *OPTIONAL_FIELDS, "signature"):
                v = row[1]
                kv[row[0]] = v if isinstance(v, str) else "" if v is None else str(v)
        if "signature" in kv and "template_id" in kv:
            return name, kv
    return None


def keygen(path: str | Path, force: bool = False) -> Path:
    """Write a new 256-bit key to ``path`` (mode 0600); refuse to overwrite one."""
    path = Path(path)
    if path.exists() and not force:
        raise KeyFileError(_("{path} exists; refusing to overwrite a key (use --force)").format(path=path))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(_HEADER + secrets.token_hex(32) + "\n")
    os.replace(tmp, path)
    return path


def load_key(path: str | Path) -> bytes:
    path = Path(path)
    try:
        lines = [ln.strip() for ln in path.read_text(encoding="ascii").splitlines()]
    except FileNotFoundError:
        raise KeyFileError(_("key file {path} not found (make one with `parxl keygen`)").format(path=path)) from None
    except (UnicodeDecodeError, OSError) as e:
        raise KeyFileError(_("key file {path} cannot be read: {error}").format(path=path, error=os_reason(e))) from None
    body = [ln for ln in lines if ln and not ln.startswith("#")]
    try:
        key = bytes.fromhex(body[0]) if len(body) == 1 else b""
    except ValueError:
        key = b""
    if len(key) < 16:
        raise KeyFileError(_("key file {path} does not hold a hex key of at least 128 bits").format(path=path))
    return key


def template_id(plan_id: str, plan_version: str, period: str, agency: str, layout_hash: str) -> str:
    h = hashlib.sha256(f"{plan_id}\n{plan_version}\n{period}\n{agency}\n{layout_hash}".encode()).hexdigest()
    return f"PARXL-{period}-{agency}-{h[:8].upper()}"


def _message(fields: dict[str, str]) -> bytes:
    lines = [f"{k}={fields.get(k, '')}" for k in FIELDS]
    lines += [f"{k}={fields[k]}" for k in OPTIONAL_FIELDS if fields.get(k)]
    return "\n".join(lines).encode("utf-8")


def sign(fields: dict[str, str], key: bytes) -> str:
    return hmac.new(key, _message(fields), hashlib.sha256).hexdigest()


def verify(fields: dict[str, str], key: bytes) -> bool:
    sig = fields.get("signature", "")
    return hmac.compare_digest(sign(fields, key), sig.strip().lower())


def resolve_key(given: str | Path | None, *defaults: Path, create_at: Path | None = None) -> tuple[bytes, Path, bool]:
    """The key to use: the given file, else the first default that exists, else (if allowed) a new one.

    Returns (key, path, created).
    """
    if given:
        return load_key(given), Path(given), False
    for d in defaults:
        if d.exists():
            return load_key(d), d, False
    if create_at is not None:
        keygen(create_at)
        return load_key(create_at), create_at, True
    looked = ", ".join(str(d) for d in defaults)
    raise KeyFileError(_("no key given (--key) and none found at {looked}").format(looked=looked))
