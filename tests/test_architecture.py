"""The shape of the code, held: the import graph runs one way, from the command line down through the
pipeline's stages to the plan model and the vocabulary, with no cycle (lazy imports inside functions count);
and no module but :mod:`parxl.measures` branches on the measure kind ("rate", "count", "change", "done")."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "parxl"

# Each module's place, from the command line (high) down to the vocabulary (low): a module imports only
# modules of a lower place, or of its own place without a cycle.  The longest matching prefix gives the place.
PLACE = {
    "parxl.__main__": 100, "parxl.docs": 100,                 # what runs it
    "parxl.cli": 90,
    "parxl.demo": 80,
    "parxl.workfolder": 70,
    "parxl.documents": 60,                                    # after the merge: what the secretariat sends
    "parxl.merge": 50, "parxl.reissue": 50,                   # the stages: merge, re-issue ...
    "parxl.merge_ledger": 48,                                 # ... the merge's bookkeeping in the ledger
    "parxl.consolidate": 45, "parxl.history_checks": 45,     # ... what the merge writes and checks
    "parxl.history": 45,                                      # ... what `parxl history` prints
    "parxl.writer": 45, "parxl.plan_import": 45,              # ... generate, next year's plan
    # what the consolidated workbook and the documents both tell (collected, on time): below both
    "parxl.documents.collection": 42, "parxl.documents.timeliness": 42, "parxl.documents.form": 42,
    "parxl.documents.schedule": 42,
    "parxl.resubmissions": 41,                                # what a resubmitted return changed
    "parxl.ledger": 40,                                       # the year's store
    "parxl.report": 35,                                       # one period's results
    "parxl.checks": 30,                                       # checking one return
    "parxl.reader": 25, "parxl.values": 25, "parxl.carryover": 25, "parxl.intake": 25, "parxl.pool": 25,
    "parxl.receipts": 25, "parxl.tablesheet": 25, "parxl.outputs": 25, "parxl.collector": 25,
    "parxl.layout": 20,                                       # the workbook's rows, from the plan
    "parxl.plan": 18,                                         # the plan model
    "parxl.measures": 15,                                     # each kind's rules
    "parxl.target": 12, "parxl.deadlines": 12, "parxl.agencies": 12, "parxl.periods": 12,
    "parxl.identity": 12, "parxl.bundled": 12,
    "parxl": 5,                                               # the vocabulary: words, findings, styles
}
MEASURE_KINDS = {"rate", "count", "change", "done"}


def _name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def place(module: str) -> int:
    best = max((k for k in PLACE if module == k or module.startswith(k + ".")), key=len)
    return PLACE[best]


def _imports(module: str) -> set[str]:
    """The parxl modules ``module`` imports, at the top or inside a function (not under TYPE_CHECKING)."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If)
                   and "TYPE_CHECKING" in ast.unparse(node.test) for n in ast.walk(node)}
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.ImportFrom):
            base = package.split(".")[:len(package.split(".")) - node.level + 1] if node.level else []
            target = ".".join(base + ([node.module] if node.module else [])) if node.level else node.module or ""
            for alias in node.names:
                full = f"{target}.{alias.name}"
                out.add(full if full in MODULES else target)
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
    return {m for m in out if m in MODULES and m != module}


GRAPH = {m: _imports(m) for m in MODULES}


def test_every_module_has_a_place():
    assert all(place(m) for m in MODULES)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_a_module_imports_only_what_lies_below_it(module):
    up = sorted(m for m in GRAPH[module] if place(m) > place(module))
    assert not up, f"{module} (place {place(module)}) imports {up}, which lie above it"


def test_no_import_cycle():
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(m):
        state[m] = 1
        path.append(m)
        for n in sorted(GRAPH[m]):
            if state.get(n) == 1:
                raise AssertionError("import cycle: " + " -> ".join(path[path.index(n):] + [n]))
            if n not in state:
                visit(n)
        path.pop()
        state[m] = 2

    for m in sorted(GRAPH):
        if m not in state:
            visit(m)


def test_the_check_finds_a_cycle_and_an_upward_import():
    global GRAPH
    saved = GRAPH
    try:
        GRAPH = {**saved, "parxl.measures": saved["parxl.measures"] | {"parxl.plan"}}
        with pytest.raises(AssertionError, match="import cycle"):
            test_no_import_cycle()
        with pytest.raises(AssertionError, match="lie above it"):
            test_a_module_imports_only_what_lies_below_it("parxl.measures")
    finally:
        GRAPH = saved


# -- the measure kind ------------------------------------------------------------------------------------

def branches_on_measure(tree: ast.AST) -> list[int]:
    """Lines comparing something with a measure kind's name or with an indicator's ``.measure`` (a target's
    ``op``, which may be "done", is not a kind)."""
    out = []
    for node in ast.walk(tree):
        if not isinstance(node, (ast.Compare, ast.MatchValue)):
            continue
        sides = [node.left, *node.comparators] if isinstance(node, ast.Compare) else [node.value]
        names = {n.value for s in sides for n in ast.walk(s) if isinstance(n, ast.Constant)}
        on_op = any(isinstance(s, ast.Attribute) and s.attr == "op" for s in sides)
        if (names & MEASURE_KINDS and not on_op) or any(isinstance(s, ast.Attribute) and s.attr == "measure"
                                                         for s in sides):
            out.append(node.lineno)
    return out


# the phrase reader of the plan import guesses a kind from a target's words: classifying text, not a rule
NOT_A_RULE = {"parxl.plan_import.targets"}


def test_no_module_but_measures_branches_on_the_measure_kind():
    found = {m: branches_on_measure(ast.parse(p.read_text(encoding="utf-8"))) for m, p in MODULES.items()
             if m not in NOT_A_RULE | {"parxl.measures"}}
    assert {m: lines for m, lines in found.items() if lines} == {}


def test_the_branch_check_finds_a_branch():
    assert branches_on_measure(ast.parse('if ind.measure == "done": pass\nif m in ("count", "rate"): pass\n'
                                         'if t.op == "done": pass\n')) == [1, 2]
