"""Reading the targets a Vietnamese PAR plan states in words.

A plan writes its targets as phrases: "trên 95%", "ít nhất 03 cuộc đối thoại ... trở lên",
"từ 80% - 100%", "giảm trên 10% so với năm 2021", "cao hơn năm 2023 ít nhất 20%", "Không có TTHC
ban hành trái thẩm quyền".  :func:`find_targets` finds every such target in a cell of text;
:func:`parse_target` reads one phrase.  Both work on text with or without diacritics (text
extracted from a PDF often loses them: "tren 95%").

A reading is never passed off as certain when it is not: a :class:`ParsedTarget` carries the
``doubts`` a person should check, and a phrase that states no target it can read gives an
:class:`Unread` (falsy) with the reason.

Comparators follow the bundled plan's conventions: "trên" is >, "dưới" is <, "không quá"/"tối đa"
are <=, "từ"/"ít nhất"/"tối thiểu"/"đạt"/"... trở lên" are >=, a bare percentage ("100%", "30%")
is >=, "từ 80% - 100%" is between; "giảm trên 10%" is a percent change < -10, "giảm 10%" is <= -10,
"cao hơn năm 2023" is > 0 and "cao hơn năm 2023 ít nhất 20%" is >= 20 against 2023; "không có ..."
is = 0.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace

__all__ = ["ParsedTarget", "Unread", "parse_target", "find_targets", "fold", "read_number"]


@dataclass(frozen=True)
class ParsedTarget:
    """One target read from text.  ``value``/``upper`` are in ``unit`` (percent change for 'change')."""
    op: str                         # ">", ">=", "=", "<=", "<", "between"
    value: float
    upper: float | None
    unit: str                       # "%" for rates and changes; the counted noun for counts
    baseline_year: int | None
    per_agency: bool                # the target applies to each agency ("mỗi cơ quan", "100% các sở ... đạt")
    measure: str                    # guess: "rate", "count", "change", "done" (a share of agencies)
    text: str                       # the words the target was read from
    doubts: tuple[str, ...] = ()    # what a person should check; empty when the reading is sure
    start: int = 0                  # span in the text searched
    end: int = 0

    @property
    def sure(self) -> bool:
        return not self.doubts

    def key(self) -> tuple:
        """What two readings must share to state the same target."""
        return (self.op, self.value, self.upper, self.baseline_year)


@dataclass(frozen=True)
class Unread:
    """No target could be read; ``reason`` says why.  Falsy, so ``if parse_target(x):`` works."""
    text: str
    reason: str

    def __bool__(self) -> bool:
        return False


# -- text folding ---------------------------------------------------------------------------------

def fold(text: str) -> str:
    """Lower case, no diacritics, đ → d, same length as ``text`` (after NFC) so spans carry over."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        base = unicodedata.normalize("NFD", ch)[0].lower()
        out.append("d" if base in "đð" else base)
    return "".join(out)


_NUM = r"\d+(?:[.,]\d+)*"


def read_number(s: str) -> float | None:
    """A number as Vietnamese writes it: "03" → 3, "95,5" → 95.5, "1.000" → 1000."""
    s = s.strip()
    if re.fullmatch(r"\d+", s):
        return float(int(s))
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+", s):          # 1.000 / 12.500.000: thousands
        return float(s.replace(".", ""))
    if re.fullmatch(r"\d+,\d+", s):                       # 95,5: decimal comma
        return float(s.replace(",", "."))
    if re.fullmatch(r"\d+\.\d{1,2}", s):                  # 95.5: decimal point
        return float(s)
    return None


# -- vocabulary (folded) ------------------------------------------------------------------------------

_GT = ("tren", "hon", "vuot")
_LT = ("duoi",)
_LE = ("khong qua", "toi da", "khong vuot qua")
_GE_STRONG = ("it nhat", "toi thieu", "hoan thanh", "day du", "dat", "tu")
_GE_WEAK = ("bao dam", "dam bao", "co", "thuc hien", "phan dau")
# nouns a count is counted in; a number before anything else is not read as a count target
_COUNT_NOUNS = (
    "chi tieu", "cuoc", "hoat dong", "sang kien", "don vi", "co quan", "van ban", "ke hoach", "bao cao",
    "lan", "dot", "lop", "mo hinh", "nhiem vu", "tthc", "thu tuc", "ho so", "doanh nghiep", "du an",
    "nguoi", "cong chuc", "vien chuc", "can bo", "bai", "tin", "chuyen de", "hoi nghi", "dien dan",
    "de an", "giai phap", "san pham", "dich vu", "xa", "huyen", "phong", "linh vuc", "tieu chi",
)
_TIME_NOUNS = ("ngay", "thang", "nam", "gio", "tuan", "quy", "cap", "phut")
_NOT_QUANTITY_BEFORE = ("so", "ngay", "nam", "dieu", "khoan", "muc", "diem", "quy", "thang", "phu luc",
                        "nghi dinh", "thong tu", "quyet dinh", "nghi quyet", "giai doan", "khoa")
_AGENCY_NOUNS = ("co quan", "so", "ubnd", "uy ban", "phong", "don vi", "dia phuong", "nganh", "cqcm", "xa",
                 "huyen", "to chuc")
_AGENCY_NOUNS_VI = ("cơ quan", "sở", "ubnd", "ủy ban", "uỷ ban", "phòng", "đơn vị", "địa phương", "ngành", "cqcm",
                    "xã", "huyện", "tổ chức")


def _names_agencies(after: str) -> bool:
    """Does the text right after "100%" name agencies ("các sở, ngành", "cơ quan, đơn vị")?"""
    a = unicodedata.normalize("NFC", after).lower().lstrip()
    a = a[4:] if a.startswith(("các ", "cac ")) else a
    nouns = _AGENCY_NOUNS_VI if a != fold(a) else tuple(n for n in _AGENCY_NOUNS if n != "so")
    return any(a.startswith(n + " ") or a.startswith(n + ",") for n in nouns)


_PER_AGENCY = re.compile(r"\bmoi\s+(?:co quan|don vi|so|dia phuong|xa|huyen|nganh|phong|to chuc)\b")
_YEAR = re.compile(r"\bso (?:voi )?(?:cung ky )?nam\s+(\d{4})\b")


def _clauses(f: str) -> list[tuple[int, int]]:
    """Spans of the clauses of a folded text: split at line breaks, ';' and a sentence's full stop."""
    spans, start = [], 0
    for m in re.finditer(r"\n|;|\.(?=\s+[a-z0-9-])|\.$", f):
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(f)))
    return [(a, b) for a, b in spans if f[a:b].strip()]


def _words_before(f: str, pos: int, lo: int, n: int = 4) -> str:
    return " ".join(f[lo:pos].split()[-n:])


def _ends_with(words: str, options) -> str | None:
    for o in sorted(options, key=len, reverse=True):
        if words == o or words.endswith(" " + o):
            return o
    return None


def _op_before(f: str, pos: int, lo: int) -> tuple[str | None, str | None, int]:
    """The comparator the words before ``pos`` state: (op, word, start of the word)."""
    words = _words_before(f, pos, lo)
    # the comparator may sit up to two words before the number ("ít nhất từ 03", "đạt từ 80%"); the nearest wins
    for tail in (words, " ".join(words.split()[:-1]), " ".join(words.split()[:-2])):
        for w in sorted((*_GT, *_LT, *_LE, *_GE_STRONG, *_GE_WEAK), key=len, reverse=True):
            if tail and (tail == w or tail.endswith(" " + w)):
                op = (">" if w in _GT else "<" if w in _LT else "<=" if w in _LE else ">=")
                if tail is not words and op != ">=":
                    continue
                at = f.rfind(w, lo, pos)
                # "ít nhất từ": keep the outermost comparator word as the start of the text
                for outer in ("it nhat", "toi thieu", "dat", "hoan thanh", "bao dam", "dam bao"):
                    k = f.rfind(outer, lo, at)
                    if k != -1 and at - k <= len(outer) + 1:
                        at = k
                return op, w, at
    return None, None, pos


def _noun_after(f: str, orig: str, pos: int, hi: int) -> tuple[str | None, int]:
    rest = f[pos:hi].lstrip()
    off = pos + (len(f[pos:hi]) - len(rest))
    for n in sorted(_COUNT_NOUNS, key=len, reverse=True):
        if rest == n or rest.startswith(n + " ") or rest.startswith(n + ",") or rest.startswith(n + "."):
            return orig[off:off + len(n)], off + len(n)
    return None, off


def _year_near(f: str, lo: int, hi: int) -> int | None:
    m = _YEAR.search(f, lo, hi) or re.search(r"\b(?:cao|thap) hon (?:so voi )?nam\s+(\d{4})\b", f[lo:hi])
    return int(m.group(1)) if m else None


def _span_text(orig: str, a: int, b: int) -> str:
    return re.sub(r"\s+", " ", orig[a:b]).strip(" ,;:.-")[:90]


# -- finding targets in a text ---------------------------------------------------------------------

def find_targets(text: str) -> list[ParsedTarget]:
    """Every target stated in ``text`` (a cell of the appendix), in the order they appear."""
    orig = unicodedata.normalize("NFC", text)
    f = fold(orig)
    out: list[ParsedTarget] = []
    for lo, hi in _clauses(f):
        out.extend(_clause_targets(orig, f, lo, hi))
    return out


def _clause_targets(orig: str, f: str, lo: int, hi: int) -> list[ParsedTarget]:
    found: list[ParsedTarget] = []
    taken: list[tuple[int, int]] = []
    clause = f[lo:hi]
    per_agency = bool(_PER_AGENCY.search(clause))

    def free(a, b):
        return all(b <= x or a >= y for x, y in taken)

    def add(t: ParsedTarget):
        found.append(t)
        taken.append((t.start, t.end))

    # 1. changes against a year: "cao hơn năm 2023 [ít nhất 20%]", "giảm so với năm 2023"
    for m in re.finditer(r"\b(cao hon|thap hon|tang|giam)\s+(?:so voi\s+)?nam\s+(\d{4})"
                         rf"(?:\s+(it nhat|toi thieu|tren|tu|khong qua|toi da)?\s*({_NUM})\s*%)?", f[lo:hi]):
        a, b = lo + m.start(), lo + m.end()
        up = m.group(1) in ("cao hon", "tang")
        year = int(m.group(2))
        doubts: list[str] = []
        if m.group(4):
            v = read_number(m.group(4))
            word = m.group(3)
            op = {"tren": ">", "khong qua": "<=", "toi da": "<="}.get(word or "", ">=")
            if not up:
                v, op = -v, {">": "<", ">=": "<=", "<=": ">="}[op]
        else:
            v, op = 0.0, (">" if up else "<")
        add(ParsedTarget(op, v, None, "%", year, per_agency, "change", _span_text(orig, a, b), tuple(doubts), a, b))
    # 2. "giảm [trên] 10% [... so với năm 2021]", "tăng ít nhất 5%"
    for m in re.finditer(rf"\b(giam|tang)\s+(?:(tren|it nhat|toi thieu|tu|khong qua|toi da|duoi)\s+)?({_NUM})\s*%",
                         f[lo:hi]):
        a, b = lo + m.start(), lo + m.end()
        if not free(a, b):
            continue
        v = read_number(m.group(3))
        word = m.group(2) or ""
        op = {"tren": ">", "duoi": "<", "khong qua": "<=", "toi da": "<="}.get(word, ">=")
        if m.group(1) == "giam":
            v, op = -v, {">": "<", ">=": "<=", "<=": ">=", "<": ">"}[op]
        year = _year_near(f, b, hi) or _year_near(f, lo, a)
        end = b
        ym = _YEAR.search(f, b, hi)
        if ym:
            end = ym.end()
        doubts = [] if year else ["no baseline year (\"so với năm ...\") next to the change"]
        add(ParsedTarget(op, v, None, "%", year, per_agency, "change", _span_text(orig, a, end), tuple(doubts), a, end))
    # 3. ranges "từ 80% - 100%", "từ 80% đến 100%"
    for m in re.finditer(rf"(?:\btu\s+)?({_NUM})\s*%?\s*(?:-|–|\bden\b)\s*({_NUM})\s*%", f[lo:hi]):
        a, b = lo + m.start(), lo + m.end()
        if not free(a, b):
            continue
        v, u = read_number(m.group(1)), read_number(m.group(2))
        doubts = [] if v is not None and u is not None and v <= u else ["range bounds out of order"]
        if v is None or u is None:
            continue
        if v > u:
            v, u = u, v
        add(ParsedTarget("between", v, u, "%", None, per_agency, "rate", _span_text(orig, a, b), tuple(doubts), a, b))
    # 4. percentages
    for m in re.finditer(rf"(?<![\d/.,])({_NUM})\s*%", f[lo:hi]):
        a, b = lo + m.start(), lo + m.end()
        if not free(a, b):
            continue
        v = read_number(m.group(1))
        if v is None:
            add(ParsedTarget(">=", 0.0, None, "%", None, per_agency, "rate", _span_text(orig, a, b),
                             (f"could not read the number {orig[a:b]!r}",), a, b))
            continue
        op, word, start = _op_before(f, a, lo)
        doubts = []
        if op is None:
            op, start = ">=", a
        tail = f[b:hi]
        mt = re.match(r"\s*(?:[^\s,;]+\s+){0,8}?tro (len|xuong)\b", tail)
        end = b
        if mt and "%" not in tail[:mt.end()]:
            op, end = (">=" if mt.group(1) == "len" else "<="), b + mt.end()
        if v > 100:
            doubts.append(f"{v:g}% is above 100%")
        # "100% các sở, ngành ... đạt từ 80%": a quantifier over agencies, not a rate of its own
        if v == 100 and op == ">=" and _names_agencies(orig[b:hi]):
            add(ParsedTarget(">=", 100.0, None, "%", None, True, "done", _span_text(orig, start, end),
                             ("read as 'every agency does it' (a share of agencies, measure done)",), start, end))
            continue
        add(ParsedTarget(op, v, None, "%", None, per_agency, "rate", _span_text(orig, start, end), tuple(doubts),
                         start, end))
    # 5. counts: "ít nhất 03 cuộc", "hoàn thành 33 chỉ tiêu", "đầy đủ 03 hoạt động"
    for m in re.finditer(rf"(?<![\d/.,\w])({_NUM})(?![\d/%\w])", f[lo:hi]):
        a, b = lo + m.start(), lo + m.end()
        if not free(a, b):
            continue
        before = _words_before(f, a, lo, 2)
        if _ends_with(before, _NOT_QUANTITY_BEFORE) or re.search(r"[/-]\s*$", f[lo:a]) or re.match(r"\s*[/-]", f[b:hi]):
            continue
        if re.match(r"\s*(?:" + "|".join(_TIME_NOUNS) + r")\b", f[b:hi]):
            continue
        noun, nend = _noun_after(f, orig, b, hi)
        op, word, start = _op_before(f, a, lo)
        if noun is None or op is None:
            continue
        v = read_number(m.group(1))
        doubts = []
        if v is None:
            doubts.append(f"could not read the number {orig[a:b]!r}")
            v = 0.0
        if word in _GE_WEAK:
            doubts.append(f"'{orig[start:start + len(word)]}' before a number may not state a target")
        if word == "tren":
            doubts.append("'trên' before a count may mean 'on', not 'above'")
        end = nend
        mt = re.match(r"[^;%\d]{0,60}?\btro (len|xuong)\b", f[nend:hi])
        if mt:
            op, end = (">=" if mt.group(1) == "len" else "<="), nend + mt.end()
        if word in ("it nhat", "toi thieu", "day du", "hoan thanh", "tu", "dat") and not mt:
            # the text runs on to the next comma-separated noun ("01 sáng kiến, giải pháp")
            mc = re.match(r",\s*[a-z ]{2,24}?(?=\s+(?:thuc|duoc|ap|theo|cua|tai|trong|nham|o|cu)\b|[,;.]|$)", f[nend:hi])
            if mc:
                end = nend + mc.end()
        add(ParsedTarget(op, v, None, noun, None, per_agency, "count", _span_text(orig, start, end), tuple(doubts),
                         start, end))
    # 6. nothing of it may happen: "Không có TTHC ban hành trái thẩm quyền"
    for m in re.finditer(r"\bkhong (?:de xay ra|de|co|phat sinh)\s+", f[lo:hi]):
        a, b = lo + m.start(), lo + m.end()
        if not free(a, hi):
            continue
        words = orig[b:hi].split()
        if not words:
            continue
        unit = words[0] if words[0].isupper() and len(words[0]) > 1 else " ".join(words[:2])
        doubts = []
        if not re.search(r"\b(trai|vi pham|sai|tre|qua han|cham|khieu nai|sai sot)\b", f[b:hi]):
            doubts.append("'không có ...' read as a count that must be 0")
        if not (words[0].isupper() and len(words[0]) > 1):
            doubts.append(f"unit guessed as {unit!r}")
        add(ParsedTarget("=", 0.0, None, unit.strip(" ,;."), None, per_agency, "count", _span_text(orig, a, hi),
                         tuple(doubts), a, hi))
    found.sort(key=lambda t: t.start)
    # a lone "100% các sở ..." is a share of agencies; followed by targets it makes them per agency
    out: list[ParsedTarget] = []
    pending = None
    for t in found:
        if t.measure == "done":
            if pending is not None:
                out.append(pending)
            pending = t
            continue
        if pending is not None:
            t = replace(t, per_agency=True, text=_span_text(orig, t.start, t.end) + f" ({pending.text})"[:90],
                        doubts=t.doubts)
            pending = None
        out.append(t)
    if pending is not None:
        if out and out[-1].measure != "done":     # "từ 80% trở lên (100% các sở, ngành)"
            last = out.pop()
            out.append(replace(last, per_agency=True, text=_span_text(orig, last.start, pending.end)))
        else:
            out.append(pending)
    return out


def parse_target(phrase: str) -> ParsedTarget | Unread:
    """Read one target phrase: a :class:`ParsedTarget`, or an :class:`Unread` saying why not."""
    if not phrase or not phrase.strip():
        return Unread(phrase or "", "empty text")
    found = find_targets(phrase)
    if not found:
        f = fold(phrase)
        if re.search(r"\d", f):
            return Unread(phrase, "a number without a comparator, a percent sign or a counted noun")
        return Unread(phrase, "no number, percentage or 'không có' in the text")
    first = found[0]
    if len(found) > 1 and len({t.key() for t in found}) > 1:
        return replace(first, doubts=first.doubts + (f"the phrase states {len(found)} targets; read the first",))
    return first
