"""Reading the targets a Vietnamese PAR plan states in words.

A plan writes its targets as phrases: "trên 95%", "không dưới 90%", "ít nhất 03 cuộc đối thoại ... trở
lên", "tối thiểu 02 lần/năm", "từ 80% - 100%", "giảm trên 10% so với năm 2021", "cao hơn năm 2023 ít nhất
20%", "tăng ít nhất 03 bậc", "Không có TTHC ban hành trái thẩm quyền".  :func:`find_targets` finds every
such target in a cell of text; :func:`parse_target` reads one phrase.  Both work on text with or without
diacritics (text extracted from a PDF often loses them: "tren 95%").

A reading is never passed off as certain when it is not: a :class:`ParsedTarget` carries the ``doubts``
a person should check, and a phrase that states no target it can read gives an :class:`Unread` (falsy)
with the reason.

Comparators follow the bundled plan's conventions: "trên"/"hơn"/"vượt" are >, "dưới"/"thấp hơn"/"ít
hơn" are <, "tối đa" is <=, "từ"/"ít nhất"/"tối thiểu"/"đạt"/"... trở lên" are >=, "bằng" is =, a bare
percentage ("100%", "30%") is >=, "từ 80% - 100%" and "từ 03 đến 05 cuộc" are between.  "không" (or
"không được", "không để" ...) right before a comparator states its opposite: "không dưới"/"không thấp
hơn"/"không ít hơn" are >=, "không quá"/"không vượt (quá)"/"không trên" are <=.  Changes: "giảm trên
10%" is a percent change < -10, "giảm 10%" is <= -10, "cao hơn năm 2023" is > 0 and "cao hơn năm 2023 ít
nhất 20%" is >= 20 against 2023; "không có ..." is = 0.  Ranks ("tăng ít nhất 03 bậc", "xếp trong nhóm
10 tỉnh dẫn đầu") and targets per quarter ("01 cuộc/quý") are read, and always carry a doubt.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, replace

from ..i18n import _

__all__ = ["ParsedTarget", "Unread", "parse_target", "find_targets", "unread_quantities", "fold", "read_number",
           "Comparator", "COMPARATORS", "NEGATIONS"]


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
    per: str | None = None          # the period a count is stated for: "năm", "quý", "tháng", "tuần"

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


def _lower(text: str) -> str:
    """Lower case, same length (NFC text)."""
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


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


# -- comparators ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Comparator:
    """Words that compare the number after them: ``vi`` as written (lower case, with diacritics)."""
    vi: str
    op: str
    kind: str = "plain"     # "amount": states an amount on its own ("ít nhất", "tối đa"), read before any noun;
                            # "weak": may not state a target at all ("có", "bảo đảm", a bare "quá")

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(fold(self.vi).split())


COMPARATORS: tuple[Comparator, ...] = (
    Comparator("trên", ">"), Comparator("hơn", ">"), Comparator("cao hơn", ">"), Comparator("lớn hơn", ">"),
    Comparator("nhiều hơn", ">"), Comparator("vượt", ">"), Comparator("vượt quá", ">"),
    Comparator("vượt trên", ">"), Comparator("quá", ">", "weak"),
    Comparator("dưới", "<"), Comparator("thấp hơn", "<"), Comparator("ít hơn", "<"), Comparator("nhỏ hơn", "<"),
    Comparator("kém hơn", "<"),
    Comparator("tối đa", "<=", "amount"), Comparator("nhiều nhất", "<=", "amount"),
    Comparator("ít nhất", ">=", "amount"), Comparator("tối thiểu", ">=", "amount"),
    Comparator("từ", ">="), Comparator("đạt", ">="), Comparator("hoàn thành", ">="), Comparator("đầy đủ", ">="),
    Comparator("bằng", "="),
    Comparator("bảo đảm", ">=", "weak"), Comparator("đảm bảo", ">=", "weak"), Comparator("có", ">=", "weak"),
    Comparator("thực hiện", ">=", "weak"), Comparator("phấn đấu", ">=", "weak"),
)
_BY_LENGTH = sorted(COMPARATORS, key=lambda c: -len(c.words))
# "không" and what may stand between it and the comparator ("không được dưới", "không để vượt quá")
NEGATIONS = ("không", "không được", "không thể", "không bị", "không có", "không để", "không nên")
_OPPOSITE = {">": "<=", "<": ">=", ">=": "<", "<=": ">"}
# words that may stand between a comparator and its number: "dưới mức 5%", "ít nhất là 03"
_FILLERS = ("muc", "la", "o")
# two words whose second folds to a comparator but is not one ("điện tử", "kết quả"): text without diacritics
_FALSE_FRIENDS = ("dien tu", "ket qua", "hieu qua", "thong qua", "tu dong", "co so", "dat dai")
# prevention verbs: "không để tỷ lệ hồ sơ trễ hạn vượt quá 5%" states "at most 5%"
_PREVENT = re.compile(r"\bkhong (?:duoc |the )?(?:de|cho phep)\b")
_CHANGE_WORDS = ("tăng", "giảm", "nâng")


@dataclass(frozen=True)
class _Tok:
    a: int       # span in the text
    b: int
    f: str       # folded, punctuation stripped
    o: str       # as written, lower case, punctuation stripped

    def says(self, vi: str) -> bool:
        """The word is ``vi``: as written, or folded when the text lost its diacritics."""
        return self.f == _folded(vi) and (self.o == vi or self.o.isascii())


@functools.lru_cache(maxsize=256)
def _folded(word: str) -> str:
    return fold(word)


def _tokens(orig: str, f: str, lo: int, hi: int, n: int = 8) -> list[_Tok]:
    out = []
    for m in re.finditer(r"\S+", f[lo:hi]):
        a, b = lo + m.start(), lo + m.end()
        w = f[a:b]
        left, right = len(w) - len(w.lstrip("(\"“'-–")), len(w.rstrip(".,;:)\"”'"))
        if right <= left:
            continue
        out.append(_Tok(a + left, a + right, w[left:right], _lower(orig[a + left:a + right])))
    return out[-n:]


def _says_at(toks: list[_Tok], j: int, vi: str) -> bool:
    """Do the tokens from ``j`` say the words ``vi``?"""
    words = vi.split()
    seg = toks[j:j + len(words)]
    return len(seg) == len(words) and all(t.says(w) for t, w in zip(seg, words))


def _is_comparator(toks: list[_Tok], j: int, c: Comparator) -> bool:
    if not _says_at(toks, j, c.vi):
        return False
    if len(c.words) == 1 and j > 0 and toks[j].o.isascii() and f"{toks[j - 1].f} {toks[j].f}" in _FALSE_FRIENDS:
        return False
    return True


def _negation_before(toks: list[_Tok], j: int) -> int | None:
    """The token where a "không ..." right before token ``j`` starts, if any."""
    for neg in sorted(NEGATIONS, key=lambda n: -len(n.split())):
        k = j - len(neg.split())
        if k >= 0 and _says_at(toks, k, neg):
            return k
    return None


@dataclass(frozen=True)
class _Read:
    op: str | None
    start: int
    doubts: tuple[str, ...] = ()
    comparator: Comparator | None = None
    negated: bool = False
    first: int = -1              # index of the first token read (comparator or negation) in the token list
    toks: tuple = ()


def _comparator_before(orig: str, f: str, pos: int, lo: int) -> _Read:
    """The comparator the words before ``pos`` state, with "không" before it turning it round."""
    toks = _tokens(orig, f, lo, pos)
    n = len(toks)
    # the comparator may sit up to two words before the number ("ít nhất từ 03", "đạt tỷ lệ 80%"); the nearest wins
    for k in range(n - 1, max(n - 4, -1), -1):
        between = toks[k + 1:]
        for c in _BY_LENGTH:
            j = k - len(c.words) + 1
            if j < 0 or not _is_comparator(toks, j, c):
                continue
            if between and c.op != ">=" and not all(t.f in _FILLERS for t in between):
                continue            # only an 'at least' word may stand apart from its number
            return _turned(orig, f, lo, toks, j, c)
    return _Read(None, pos, toks=tuple(toks))


def _turned(orig: str, f: str, lo: int, toks: list[_Tok], j: int, c: Comparator) -> _Read:
    start, first = toks[j].a, j
    neg = _negation_before(toks, j)
    if neg is not None:
        written = " ".join(t.o for t in toks[neg:j + len(c.words)])
        if c.op in ("=",):
            return _Read(">=", toks[neg].a, (_("'{written}' (not equal to) is no target parxl can hold; read as "
                                               "'từ'").format(written=written),),
                         c, True, neg, tuple(toks))
        doubts = () if c.op in (">", "<") else (_("'{written}' read as {op} (the opposite of '{word}')").format(
            written=written, op=_OPPOSITE[c.op], word=c.vi),)
        return _Read(_OPPOSITE[c.op], toks[neg].a, doubts, c, True, neg, tuple(toks))
    # "ít nhất từ 03", "đạt trên 90%": an outer 'at least' word opens the text
    for outer in _BY_LENGTH:
        if outer.op == ">=" and outer.kind != "weak" or outer.vi in ("bảo đảm", "đảm bảo"):
            k = j - len(outer.words)
            if k >= 0 and _is_comparator(toks, k, outer):
                start, first = toks[k].a, k
                break
    # "không để tỷ lệ hồ sơ trễ hạn vượt quá 5%": a prevention verb earlier in the clause turns it round
    if c.op in _OPPOSITE:
        before = f[lo:start]
        hits = [h for h in _PREVENT.finditer(before)
                if _lower(orig[lo + h.start():lo + h.end()]).isascii()
                or _lower(orig[lo + h.start():lo + h.end()]).startswith("không")]
        if hits:
            h = hits[-1]
            said = _lower(orig[lo + h.start():lo + h.end()])
            if "," not in before[h.end():]:
                return _Read(_OPPOSITE[c.op], lo + h.start(), (f"'{said} …' before '{c.vi}' read as its opposite "
                                                      f"({_OPPOSITE[c.op]}): check", ), c, True, first, tuple(toks))
            return _Read(c.op, start, (f"'{said}' earlier in the sentence may turn '{c.vi}' round "
                                       f"(read as {c.op}): check", ), c, False, first, tuple(toks))
    return _Read(c.op, start, (), c, False, first, tuple(toks))


def _words_comparator(orig: str, f: str, a: int, b: int) -> tuple[_Read, str]:
    """The comparator ending the words ``f[a:b]`` (between "giảm" and its number), and the other words."""
    r = _comparator_before(orig, f, b, a)
    other = orig[a:r.start if r.op is not None else b].strip()
    return r, other


# -- vocabulary (folded) ------------------------------------------------------------------------------

# nouns a count is counted in; a number before anything else is not read as a count target
_COUNT_NOUNS = (
    "chi tieu", "cuoc", "hoat dong", "sang kien", "don vi", "co quan", "van ban", "ke hoach", "bao cao",
    "lan", "dot", "lop", "mo hinh", "nhiem vu", "tthc", "thu tuc", "ho so", "doanh nghiep", "du an",
    "nguoi", "cong chuc", "vien chuc", "can bo", "bai", "tin", "chuyen de", "hoi nghi", "dien dan",
    "de an", "giai phap", "san pham", "dich vu", "xa", "huyen", "phong", "linh vuc", "tieu chi",
    "luot", "buoi", "phien", "bac", "diem", "hoc vien", "quyet dinh", "doan",
)
_RANK_NOUNS = ("bac",)
_TIME_NOUNS = ("ngay", "thang", "nam", "gio", "tuan", "quy", "cap", "phut")
_NOT_QUANTITY_BEFORE = ("so", "ngay", "nam", "dieu", "khoan", "muc", "diem", "quy", "thang", "phu luc",
                        "nghi dinh", "thong tu", "quyet dinh", "nghi quyet", "giai doan", "khoa", "nhom", "top")
_AGENCY_NOUNS = ("co quan", "so", "ubnd", "uy ban", "phong", "don vi", "dia phuong", "nganh", "cqcm", "xa",
                 "huyen", "to chuc")
_AGENCY_NOUNS_VI = ("cơ quan", "sở", "ubnd", "ủy ban", "uỷ ban", "phòng", "đơn vị", "địa phương", "ngành", "cqcm",
                    "xã", "huyện", "tổ chức")
_PERIODS = {"nam": "năm", "quy": "quý", "thang": "tháng", "tuan": "tuần"}
_PER_AFTER = re.compile(r"\s*(?:/\s*|(?:tren|moi|mot|trong|hang|trong moi)\s+)(nam|quy|thang|tuan)\b")
_PER_BEFORE = re.compile(r"\b(?:moi|hang)\s+(nam|quy|thang|tuan)\b")
def _rank_doubt(what: str) -> str:
    return _("a rank ({what}): the figure is the province's place in a ranking the ministry publishes, not "
             "something agencies count; check who reports it and how").format(what=what)


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


def _noun_after(f: str, orig: str, pos: int, hi: int, nouns=_COUNT_NOUNS) -> tuple[str | None, int]:
    rest = f[pos:hi].lstrip()
    off = pos + (len(f[pos:hi]) - len(rest))
    for n in sorted(nouns, key=len, reverse=True):
        if re.match(rf"{re.escape(n)}(?![a-z0-9])", rest):
            return orig[off:off + len(n)], off + len(n)
    return None, off


def _word_after(orig: str, f: str, pos: int, hi: int) -> tuple[str, int]:
    m = re.match(r"\s*([^\s,;.:/()]+(?:\s+[^\s,;.:/()]+)?)", f[pos:hi])
    if not m:
        return "", pos
    return orig[pos + m.start(1):pos + m.end(1)], pos + m.end(1)


def _year_near(f: str, lo: int, hi: int) -> int | None:
    m = _YEAR.search(f, lo, hi) or re.search(r"\b(?:cao|thap) hon (?:so voi )?nam\s+(\d{4})\b", f[lo:hi])
    return int(m.group(1)) if m else None


def _span_text(orig: str, a: int, b: int) -> str:
    """The words of a span, at most 90 characters: a long span keeps its start and its end (the number)."""
    s = re.sub(r"\s+", " ", orig[a:b]).strip(" ,;:.-")
    if len(s) <= 90:
        return s
    head, tail = s[:40].rsplit(" ", 1)[0], s[-46:]
    return f"{head} … {tail.split(' ', 1)[-1] if ' ' in tail else tail}"


def _vi_search(pattern: str, orig: str, f: str, lo: int, hi: int) -> list[re.Match]:
    """Matches of a lower-case Vietnamese pattern in a clause: read with its diacritics when the clause has
    them ("hạng", not "hàng"), folded when it lost them."""
    if orig[lo:hi].isascii():
        return list(re.compile(fold(pattern)).finditer(f, lo, hi))
    return list(re.compile(pattern).finditer(_lower(orig), lo, hi))


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

    _changes_against_a_year(orig, f, lo, hi, per_agency, free, add)
    _percent_changes(orig, f, lo, hi, per_agency, free, add)
    _ranks(orig, f, lo, hi, per_agency, free, add)
    _ranges(orig, f, lo, hi, per_agency, free, add)
    _percentages(orig, f, lo, hi, per_agency, free, add)
    _counts(orig, f, lo, hi, per_agency, free, add)
    _rank_without_number(orig, f, lo, hi, per_agency, free, add)
    _none_of_it(orig, f, lo, hi, per_agency, free, add)
    found.sort(key=lambda t: t.start)
    return _quantifiers(orig, found)


def _changes_against_a_year(orig, f, lo, hi, per_agency, free, add):
    """"cao hơn năm 2023 [ít nhất 20%]", "giảm so với năm 2023", "không thấp hơn năm 2023"."""
    for m in re.finditer(r"\b(khong (?:duoc |de )?)?(cao hon|thap hon|tang|giam)\s+(?:so voi\s+)?nam\s+(\d{4})"
                         rf"(?:\s+((?:[a-z]+\s+){{0,3}}?)({_NUM})\s*%)?", f[lo:hi]):
        a, b = lo + m.start(), lo + m.end()
        up = m.group(2) in ("cao hon", "tang")
        year = int(m.group(3))
        doubts: list[str] = []
        v = read_number(m.group(5)) if m.group(5) else None
        if v is not None:
            op = _change_comparator(orig, f, lo + m.start(4), lo + m.start(5), m.group(2), doubts)
            if not up:
                v, op = -v, _DOWN[op]
        else:
            v, op = 0.0, (">" if up else "<")
        if m.group(1):                      # "không thấp hơn năm 2023": at least as high
            op = _OPPOSITE.get(op, op)
            if v:
                doubts.append(_("'không' before a change with a figure: check the comparator"))
        add(ParsedTarget(op, v, None, "%", year, per_agency, "change", _span_text(orig, a, b), tuple(doubts), a, b))


_DOWN = {">": "<", ">=": "<=", "<=": ">=", "<": ">", "=": "="}


def _change_comparator(orig, f, a: int, b: int, verb: str, doubts: list[str]) -> str:
    """The comparator in the words between a change's verb and its number ("giảm ít nhất 10%")."""
    if not f[a:b].strip():
        return ">="
    r, other = _words_comparator(orig, f, a, b)
    doubts += r.doubts
    if other:
        doubts.append(_("the words {other!r} between '{verb}' and the number: read as a change of what they "
                        "name").format(other=other, verb=verb))
    if r.op is None:
        return ">="
    if r.op == "=":
        doubts.append(_("'bằng' with a change read as 'at least'"))
        return ">="
    return r.op


def baseline_doubts() -> tuple[str, str]:
    """The doubts about a change's baseline year, which an importer that finds the year elsewhere drops."""
    return (_("no baseline year (\"so với năm ...\") next to the change"),
            _("a change per period: check the baseline"))


def _percent_changes(orig, f, lo, hi, per_agency, free, add):
    """"giảm [trên] 10% [... so với năm 2021]", "tăng ít nhất 5%", "giảm chi phí 10%" (a doubt)."""
    for m in re.finditer(rf"\b(giam|tang)\s+(?!cuong\b)((?:[a-z]+\s+){{0,3}}?)({_NUM})\s*%", f[lo:hi]):
        a, b = lo + m.start(), lo + m.end()
        if not free(a, b):
            continue
        word = _lower(orig[a:lo + m.end(1)])
        if not (word.isascii() or word in ("tăng", "giảm")):
            continue                        # "tầng", "tặng": not a change
        v = read_number(m.group(3))
        if v is None:
            continue
        doubts: list[str] = []
        op = _change_comparator(orig, f, lo + m.start(2), lo + m.start(3), word, doubts)
        if m.group(1) == "giam":
            v, op = -v, _DOWN[op]
        year = _year_near(f, b, hi) or _year_near(f, lo, a)
        end = b
        ym = _YEAR.search(f, b, hi)
        if ym:
            end = ym.end()
        if not year:
            doubts.append(baseline_doubts()[0])
        if re.match(r"\s*/\s*(nam|quy|thang)\b", f[b:hi]):
            doubts.append(baseline_doubts()[1])
        add(ParsedTarget(op, v, None, "%", year, per_agency, "change", _span_text(orig, a, end), tuple(doubts), a, end))


def _ranks(orig, f, lo, hi, per_agency, free, add):
    """"xếp trong nhóm 10 tỉnh dẫn đầu", "thuộc top 20", "xếp thứ 5 trở lên": a place of at most N."""
    pats = (rf"(?:xếp|nằm|đứng|thuộc|vào)?\s*(?:trong\s+)?(?:nhóm|top|tốp)\s+({_NUM})(?![\d%])"
            r"(?:[^;%\d]{0,60}?(?:dẫn đầu|cao nhất|đứng đầu|tốt nhất|đầu cả nước))?",
            rf"(?:xếp|đứng|nằm ở)\s+(?:hạng\s+)?(?:thứ|hạng|vị trí(?: thứ)?)\s+({_NUM})(?![\d%])(?:\s+trở lên)?")
    for pat in pats:
        for m in _vi_search(pat, orig, f, lo, hi):
            a, b = m.start(), m.end()
            while a < b and orig[a].isspace():
                a += 1
            if not free(a, b):
                continue
            said = fold(orig[a:b])
            if "nhom" in said.split() and not re.search(r"\b(?:dan dau|cao nhat|dung dau|tot nhat|dau ca nuoc|xep|"
                                                      r"trong|thuoc)\b", said):
                continue                    # "nhóm 3" as a category, not a place
            v = read_number(m.group(1))
            if v is None:
                continue
            doubts = (_rank_doubt(_span_text(orig, a, b)),
                      _("read as a place of at most {place} (1 is the best)").format(place=f"{v:g}"))
            add(ParsedTarget("<=", v, None, "thứ hạng", None, per_agency, "count", _span_text(orig, a, b), doubts,
                             a, b))


def _ranges(orig, f, lo, hi, per_agency, free, add):
    """"từ 80% - 100%", "từ 80% đến 100%", "từ 90% đến dưới 95%", "từ 03 đến 05 cuộc"."""
    for m in re.finditer(rf"(?:\btu\s+)?({_NUM})\s*%?\s*(?:-|–|\bden\b|\btoi\b)\s*(duoi\s+|khong qua\s+)?({_NUM})\s*%",
                         f[lo:hi]):
        a, b = lo + m.start(), lo + m.end()
        if not free(a, b):
            continue
        v, u = read_number(m.group(1)), read_number(m.group(3))
        if v is None or u is None:
            continue
        doubts = [] if v <= u else [_("range bounds out of order")]
        if m.group(2) and m.group(2).startswith("duoi"):
            doubts.append(_("the upper bound is excluded ('đến dưới'); 'between' includes it"))
        if v > u:
            v, u = u, v
        add(ParsedTarget("between", v, u, "%", None, per_agency, "rate", _span_text(orig, a, b), tuple(doubts), a, b))
    for m in re.finditer(rf"(?:\btu\s+)?(?<![\d/.,])({_NUM})\s*(?:-|–|\bden\b|\btoi\b)\s*({_NUM})(?![\d/.,%])", f[lo:hi]):
        a, b = lo + m.start(), lo + m.end()
        if not free(a, b):
            continue
        noun, nend = _noun_after(f, orig, b, hi)
        v, u = read_number(m.group(1)), read_number(m.group(2))
        if noun is None or v is None or u is None or v > u:
            continue
        per, pend, pdoubts = _period(f, lo, a, nend, hi)
        end = max(nend, pend)
        add(ParsedTarget("between", v, u, noun, None, per_agency, "count", _span_text(orig, a, end),
                         tuple(pdoubts), a, end, per))


def _percentages(orig, f, lo, hi, per_agency, free, add):
    for m in re.finditer(rf"(?<![\d/.,])({_NUM})\s*%", f[lo:hi]):
        a, b = lo + m.start(), lo + m.end()
        if not free(a, b):
            continue
        v = read_number(m.group(1))
        if v is None:
            add(ParsedTarget(">=", 0.0, None, "%", None, per_agency, "rate", _span_text(orig, a, b),
                             (_("could not read the number {text!r}").format(text=orig[a:b]),), a, b))
            continue
        r = _comparator_before(orig, f, a, lo)
        op, start, doubts = r.op, r.start, list(r.doubts)
        if op is None:
            op, start = ">=", a
            near = r.toks[-1] if r.toks else None
            if near is not None and near.f in ("khoang", "xap xi", "gan", "chung", "khong"):
                doubts.append(_("'{word}' before {number} read as 'at least'").format(word=near.o, number=orig[a:b]))
            if v == 0:
                op = "="
                doubts.append(_("a bare '0%' read as '= 0'"))
        elif r.comparator is not None and r.comparator.kind == "weak" and r.comparator.vi == "quá" and not r.negated:
            doubts.append(_("'quá' alone read as 'above'"))
        tail = f[b:hi]
        mt = re.match(r"\s*(?:[^\s,;]+\s+){0,8}?tro (len|xuong)\b", tail)
        end = b
        if mt and "%" not in tail[:mt.end()]:
            said = ">=" if mt.group(1) == "len" else "<="
            if r.op is not None and r.op[0] != said[0]:
                doubts.append(_("'{text}' and 'trở {word}' disagree").format(text=_span_text(orig, start, b),
                                                                             word=mt.group(1)))
            op, end = said, b + mt.end()
        if v > 100:
            doubts.append(_("above 100%: {value}%").format(value=f"{v:g}"))
        # "100% các sở, ngành ... đạt từ 80%": a quantifier over agencies, not a rate of its own
        if v == 100 and op == ">=" and not r.negated and _names_agencies(orig[b:hi]):
            add(ParsedTarget(">=", 100.0, None, "%", None, True, "done", _span_text(orig, start, end),
                             (_("read as 'every agency does it' (a share of agencies, measure done)"),), start, end))
            continue
        add(ParsedTarget(op, v, None, "%", None, per_agency, "rate", _span_text(orig, start, end), tuple(doubts),
                         start, end))


def _period(f: str, lo: int, a: int, nend: int, hi: int) -> tuple[str | None, int, list[str]]:
    """The period a count is stated for ("02 lần/năm", "mỗi quý 01 cuộc"), where its words end, and doubts."""
    m = _PER_AFTER.match(f, nend, hi)
    end = nend
    if m:
        per, end = _PERIODS[m.group(1)], m.end()
    else:
        mb = None
        for mb in _PER_BEFORE.finditer(f, lo, a):
            pass
        per = _PERIODS[mb.group(1)] if mb else None
    doubts = []
    if per and per != "năm":
        doubts.append(_("a target per {per}: a return counts its report's window (Q1 and Q3 one quarter, Q2 half a "
                        "year, Q4 the year), so the value was kept as stated per {per}; check it").format(per=per))
    return per, end, doubts


def _counts(orig, f, lo, hi, per_agency, free, add):
    """"ít nhất 03 cuộc", "hoàn thành 33 chỉ tiêu", "tối thiểu 02 lần/năm", "tăng ít nhất 03 bậc"."""
    for m in re.finditer(rf"(?<![\d/.,\w])({_NUM})(?![\d/%\w])", f[lo:hi]):
        a, b = lo + m.start(), lo + m.end()
        if not free(a, b):
            continue
        before = _words_before(f, a, lo, 2)
        if _ends_with(before, _NOT_QUANTITY_BEFORE) or re.search(r"[/-]\s*$", f[lo:a]) or re.match(r"\s*[/-]", f[b:hi]):
            continue
        r = _comparator_before(orig, f, a, lo)
        op, start, doubts = r.op, r.start, list(r.doubts)
        amount = r.comparator is not None and (r.comparator.kind == "amount" or r.negated)
        time = re.match(r"\s*(ngay lam viec|" + "|".join(_TIME_NOUNS) + r")\b", f[b:hi])
        noun, nend = (None, b) if time else _noun_after(f, orig, b, hi)
        # "tăng ít nhất 03 bậc", "tăng 5 điểm": an increase, not a level
        toks = list(r.toks)
        k = r.first if op is not None else len(toks)
        change = k > 0 and any(toks[k - 1].says(w) for w in _CHANGE_WORDS)
        if op is None and change and noun is not None:
            op, start = ">=", toks[k - 1].a
        elif change:
            start = toks[k - 1].a
        if op is None and noun is not None and _PER_AFTER.match(f, nend, hi):
            op, start = ">=", a             # "01 cuộc/quý": a frequency is a target
            doubts.append(_("no comparator before '{text}': read as 'at least'").format(
                text=_span_text(orig, a, _PER_AFTER.match(f, nend, hi).end())))
        if op is None:
            continue
        if noun is None:
            if not amount:
                continue
            if time:
                noun, nend = orig[b + time.start(1):b + time.end(1)], b + time.end(1)
                doubts.append(_("a length of time ('{text}'): check it is a target agencies report").format(
                    text=_span_text(orig, start, nend)))
            else:
                noun, nend = _word_after(orig, f, b, hi)
                if not noun:
                    continue
                doubts.append(_("'{noun}' after '{text}' is not a unit parxl knows; unit guessed").format(
                    noun=noun, text=_span_text(orig, start, b)))
        v = read_number(m.group(1))
        if v is None:
            doubts.append(_("could not read the number {text!r}").format(text=orig[a:b]))
            v = 0.0
        c = r.comparator
        if c is not None and c.kind == "weak" and not r.negated:
            doubts.append(_("'{word}' before a number may not state a target").format(word=c.vi) if c.vi != "quá"
                          else _("'quá' alone read as 'above'"))
        if c is not None and c.vi == "trên" and not r.negated:
            doubts.append(_("'trên' before a count may mean 'on', not 'above'"))
        if change:
            word = toks[k - 1].o
            doubts.append((_("a decrease stated as a number ('{text}'): the figure to report is the decrease itself, "
                             "not the level") if fold(word) == "giam" else
                           _("an increase stated as a number ('{text}'): the figure to report is the gain itself, "
                             "not the level")).format(text=f"{word} … {orig[a:b]} {noun}"))
        folded_noun = fold(noun)
        if folded_noun in _RANK_NOUNS or re.search(r"\b(?:thu hang|xep hang)\b", f[lo:hi]):
            doubts.append(_rank_doubt(f"'{noun}'"))
        elif folded_noun == "diem":
            doubts.append(_("a score ('điểm') is not a count to add up over agencies: check measure and aggregate"))
        per, pend, pdoubts = _period(f, lo, a, nend, hi)
        doubts += pdoubts
        end = max(nend, pend)
        mt = re.match(r"[^;%\d]{0,60}?\btro (len|xuong)\b", f[end:hi])
        if mt:
            said = ">=" if mt.group(1) == "len" else "<="
            if op[0] != said[0]:
                doubts.append(_("'{text}' and 'trở {word}' disagree").format(text=_span_text(orig, start, end),
                                                                             word=mt.group(1)))
            op, end = said, end + mt.end()
        if c is not None and c.vi in ("ít nhất", "tối thiểu", "đầy đủ", "hoàn thành", "từ", "đạt") and not mt:
            # the text runs on to the next comma-separated noun ("01 sáng kiến, giải pháp")
            mc = re.match(r",\s*[a-z ]{2,24}?(?=\s+(?:thuc|duoc|ap|theo|cua|tai|trong|nham|o|cu)\b|[,;.]|$)", f[end:hi])
            if mc:
                end = end + mc.end()
        add(ParsedTarget(op, v, None, noun, None, per_agency, "count", _span_text(orig, start, end), tuple(doubts),
                         start, end, per))


def _rank_without_number(orig, f, lo, hi, per_agency, free, add):
    """"tăng thứ hạng", "giữ vững hoặc nâng thứ hạng": places gained, with no number."""
    pat = (r"(giữ vững(?:\s+(?:và|hoặc)\s+(?:tăng|nâng|cải thiện))?|không giảm|tăng|nâng(?:\s+cao)?|cải thiện)"
           r"\s+(?:(?:vị trí|kết quả)\s+)?(?:thứ hạng|xếp hạng|hạng|bậc)\b")
    for m in _vi_search(pat, orig, f, lo, hi):
        a = m.start()
        if not free(a, hi):
            continue
        keep = fold(m.group(1)).startswith(("giu vung", "khong giam"))
        op = ">=" if keep else ">"
        doubts = (_rank_doubt(_span_text(orig, a, m.end())),
                  _("no number: read as 'at least the same place' (>= 0 places gained)") if keep
                  else _("no number: read as 'at least one place higher' (> 0 places gained)"))
        add(ParsedTarget(op, 0.0, None, "bậc", None, per_agency, "count", _span_text(orig, a, m.end()), doubts,
                         a, m.end()))


def _none_of_it(orig, f, lo, hi, per_agency, free, add):
    """Nothing of it may happen: "Không có TTHC ban hành trái thẩm quyền"."""
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
            doubts.append(_("'không có ...' read as a count that must be 0"))
        if not (words[0].isupper() and len(words[0]) > 1):
            doubts.append(_("unit guessed as {unit!r}").format(unit=unit))
        add(ParsedTarget("=", 0.0, None, unit.strip(" ,;."), None, per_agency, "count", _span_text(orig, a, hi),
                         tuple(doubts), a, hi))


def _quantifiers(orig: str, found: list[ParsedTarget]) -> list[ParsedTarget]:
    """A lone "100% các sở ..." is a share of agencies; followed by targets it makes them per agency."""
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


def unread_quantities(text: str, targets: list[ParsedTarget] | None = None) -> list[str]:
    """Numbers of counted things in ``text`` that no target covers ("Tổ chức 02 hội nghị", no comparator):
    what a person should look at, since a plan may mean them as targets.  ``targets``: those already
    found in ``text`` (default: :func:`find_targets`)."""
    orig = unicodedata.normalize("NFC", text)
    f = fold(orig)
    spans = [(t.start, t.end) for t in (find_targets(orig) if targets is None else targets)]
    out = []
    for m in re.finditer(rf"(?<![\d/.,\w])({_NUM})(?![\d/%\w])", f):
        a, b = m.span()
        if any(x <= a < y for x, y in spans) or re.match(r"\s*[/-]", f[b:]) or re.search(r"[/-]\s*$", f[:a]):
            continue
        if _ends_with(_words_before(f, a, 0, 2), _NOT_QUANTITY_BEFORE):
            continue
        noun, nend = _noun_after(f, orig, b, len(f))
        if noun is not None:
            out.append(_span_text(orig, a, nend))
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
        return replace(first, doubts=first.doubts + (_("the phrase states {n} targets; read the first").format(n=len(found)),))
    return first
