"""Small-number suppression over a whole Publication, once, before any renderer sees it.

Rules (issue 11): a count of 1-4 persons or households is withheld ("<5", primary). Then, over every
relation the page states — totals and the county line, sums within a row, amounts tied to a withheld
count, gaps computed from other counts — more cells are withheld ("×", complementary) until no hidden
cell has a single possible value: each sum line is checked exactly with interval arithmetic
(`line_is_safe`), and the whole system of sums is then checked with integer programming
(`determined`), which also catches what only several lines together give away. Rates whose numerator or
denominator is hidden, or whose denominator is under 5, and means over fewer than 5 units or over a
hidden count, are withheld ("—").

What a reader knows: every shown number exactly, "<5" is 1-4, "×" any value, and every stated sum.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import replace

import numpy as np

from queries.publish import AMOUNT, CHANGE, COUNT, MEAN, PRIMARY, RATE, SECONDARY, WITHHELD, Publication

_LINE_KINDS = (COUNT, AMOUNT)
SMALL = 5
INF = 10**12


def primary(value: float) -> bool:
    """A count that may point at a person: 1 to 4."""
    return 0 < value < SMALL


def _domain(mark: str) -> list[tuple[int, int]]:
    """Values a reader must allow for a suppressed cell, as integer intervals."""
    return [(1, SMALL - 1)] if mark == PRIMARY else [(0, INF)]


def _sumset(domains: list[list[tuple[int, int]]]) -> list[tuple[int, int]]:
    """All sums of one value from each domain, as merged, sorted intervals."""
    sums = [(0, 0)]
    for domain in domains:
        combined = sorted((a + c, b + d) for a, b in sums for c, d in domain)
        merged: list[tuple[int, int]] = []
        for lo, hi in combined:
            if merged and lo <= merged[-1][1] + 1:
                merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
            else:
                merged.append((lo, hi))
        sums = merged
    return sums


def _negated(domain: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The domain of -x."""
    return sorted((-b, -a) for a, b in domain)


def line_is_safe(values: list[int], marks: list[str | None]) -> bool:
    """Exactly, for one line (its cells, then its total last): no suppressed member has a single
    possible value given the shown ones and the equation sum(cells) = total."""
    signs = [1] * (len(values) - 1) + [-1]
    hidden = [i for i, m in enumerate(marks) if m]
    known = -sum(sign * v for sign, v, m in zip(signs, values, marks, strict=True) if not m)
    for i in hidden:
        parts = [_domain(marks[j]) if signs[j] > 0 else _negated(_domain(marks[j])) for j in hidden if j != i]
        others = _sumset(parts)
        # signs[i] * x_i = known - (sum of the others), so x_i lies in signs[i] * (known - others).
        targets = sorted((signs[i] * (known - hi), signs[i] * (known - lo)) for lo, hi in others)
        targets = [(min(a, b), max(a, b)) for a, b in targets]
        possible = 0
        for lo, hi in _domain(marks[i]):
            for tlo, thi in targets:
                possible += max(0, min(hi, thi) - max(lo, tlo) + 1)
        if possible <= 1:
            return False
    return True




def _scaled(value: float, kind: str) -> int:
    """A line's values as integers: counts as they are, amounts in fen."""
    return round(value * 100) if kind == AMOUNT else int(value)


def _lines(pub: Publication) -> list[list[str]]:
    """The stated sums as lines (parts, then the total last), over cells that have a value."""
    out = []
    for total, parts in pub.sums:
        line = [*parts, total]
        if all(k in pub.cells and pub.cells[k].value is not None and pub.cells[k].kind in _LINE_KINDS
               for k in line):
            out.append(line)
    return out


def _withhold_next(pub: Publication, line: list[str]) -> str | None:
    """Which member of an unsafe line to withhold next. The total is what the room reads (a county's
    households on a slide), so it goes last: the smallest shown part of at least 5, else a shown zero,
    else a part's '<5' turned into '×' (it may then be anything, which frees the others), else the total
    ('<5' → '×' last of all)."""
    cells = [pub.cells[k] for k in line]
    free = [i for i, c in enumerate(cells) if not c.known and not c.fixed]
    shown = [i for i in free if not cells[i].mark]
    total = len(line) - 1
    big = [i for i in shown if i < total and abs(cells[i].value) >= SMALL]
    if big:
        return line[min(big, key=lambda i: abs(cells[i].value))]
    zeros = [i for i in shown if i < total and cells[i].value == 0]
    if zeros:
        return line[zeros[0]]
    parts = [i for i in shown if i < total] or [i for i in free if i < total and cells[i].mark == PRIMARY]
    if parts:
        return line[parts[0]]
    if total in free and cells[total].mark != SECONDARY:
        return line[total]
    return None


def _hide(pub: Publication, key: str, mark: str = SECONDARY) -> bool:
    """Withhold a cell (a '<5' may become '×'); True when something changed."""
    cell = pub.cells[key]
    if cell.known or cell.fixed or cell.mark == mark or (cell.mark == SECONDARY and mark == PRIMARY):
        return False
    cell.mark = mark
    return True


def _propagate(pub: Publication, stuck: list) -> bool:
    """Amounts hidden with their count; derived counts hidden with a part, and their numerator withheld
    when they are 1-4 themselves (noted in `stuck` when that numerator is fixed and shown). True when
    something changed."""
    changed = False
    for cell in pub.cells.values():
        if cell.value is None or not cell.parts or cell.kind not in (AMOUNT, COUNT):
            continue
        parts = [pub.cells[p] for p in cell.parts if p in pub.cells]
        if not cell.mark and not cell.known and not cell.fixed and any(p.mark for p in parts):
            cell.mark = SECONDARY
            changed = True
        if cell.kind == COUNT and 0 < cell.value < SMALL and parts and not parts[0].mark and not parts[0].known \
                and not cell.known and not cell.fixed:
            if parts[0].fixed:
                stuck.append(cell)
                continue
            cell.mark = cell.mark or PRIMARY
            parts[0].mark = SECONDARY
            changed = True
    return changed


def _line_pass(pub: Publication, lines: list[list[str]], stuck: list) -> bool:
    """Make each line safe on its own (a line that cannot be goes to `stuck`); True when something changed."""
    changed = False
    for line in lines:
        kind = pub.cells[line[0]].kind
        values = [_scaled(pub.cells[k].value, kind) for k in line]
        while not line_is_safe(values, [pub.cells[k].mark for k in line]):
            victim = _withhold_next(pub, line)
            if victim is None or not _hide(pub, victim):
                stuck.append(line)
                break
            changed = True
    return changed


def _components(lines: list[list[str]]) -> list[list[list[str]]]:
    """The lines grouped into sets that share cells (each set is one system of equations)."""
    parent = list(range(len(lines)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[str, int] = {}
    for i, line in enumerate(lines):
        for k in line:
            if k in owner:
                parent[root(i)] = root(owner[k])
            else:
                owner[k] = i
    groups: dict[int, list[list[str]]] = {}
    for i, line in enumerate(lines):
        groups.setdefault(root(i), []).append(line)
    return list(groups.values())


def determined(pub: Publication, lines: list[list[str]] | None = None, solved: dict | None = None) -> list[str]:
    """Hidden cells whose value follows from everything shown and every stated sum (integer
    programming per system of linked sums: the smallest and the largest feasible value are equal).
    A sum that shares no cell with another is exact already (`line_is_safe`) and is skipped. `solved`
    remembers each system's answer by its marks (a system the last widening did not touch is not solved
    again)."""
    solved = {} if solved is None else solved
    out = []
    for group in _components(_lines(pub) if lines is None else lines):
        if len(group) > 1:
            state = tuple((k, pub.cells[k].mark) for line in group for k in line)
            if state not in solved:
                solved[state] = _determined_in(pub, group)
            out += solved[state]
    return out


def _determined_in(pub: Publication, lines: list[list[str]]) -> list[str]:
    """`determined` for one system of linked sums. The shown cells are constants, so the system is over
    the hidden cells only. One feasible point first (the smallest total); then for each hidden cell not yet
    seen to take two values, its smallest and largest value — every solution found on the way that differs
    from the first point shows those cells undetermined too, so most cells cost no solve of their own."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    keys = sorted({k for line in lines for k in line})
    hidden = [k for k in keys if pub.cells[k].mark]
    if not hidden:
        return []
    index = {k: i for i, k in enumerate(hidden)}
    rows, rhs = [], []
    for line in lines:
        row, constant = np.zeros(len(hidden)), 0
        for position, k in enumerate(line):
            sign = -1 if position == len(line) - 1 else 1  # parts minus total = 0
            cell = pub.cells[k]
            if cell.mark:
                row[index[k]] += sign
            else:
                constant += sign * _scaled(cell.value, cell.kind)
        if row.any():
            rows.append(row)
            rhs.append(-constant)
    if not rows:
        return []
    lower = np.array([1 if pub.cells[k].mark == PRIMARY else 0 for k in hidden], dtype=float)
    upper = np.array([SMALL - 1 if pub.cells[k].mark == PRIMARY else np.inf for k in hidden])
    constraint = LinearConstraint(np.array(rows), rhs, rhs)
    bounds, integrality = Bounds(lower, upper), np.ones(len(hidden))

    def solve(objective: np.ndarray):
        return milp(objective, constraints=constraint, bounds=bounds, integrality=integrality)

    first = solve(np.ones(len(hidden)))
    if not first.success:
        return []
    point = np.round(first.x)
    undecided = set(range(len(hidden)))
    out = []
    # Cells at their floor in that point (mostly withheld zeros): if their sum cannot rise, none of them can
    # move — one solve settles them all. Bounded here by twice the largest true value (the true values stay
    # feasible), so the largest sum exists; an error would only withhold more, never less.
    cap = np.where(upper < np.inf, upper, 2 * max(abs(_scaled(pub.cells[k].value, pub.cells[k].kind))
                                                  for k in keys) + 10**6)
    while floor := [j for j in sorted(undecided) if point[j] == lower[j]]:
        objective = np.zeros(len(hidden))
        objective[floor] = -1
        result = milp(objective, constraints=constraint, bounds=Bounds(lower, cap), integrality=integrality)
        if result.status != 0:
            break
        other = np.round(result.x)
        risen = {j for j in undecided if other[j] != point[j]}
        if not risen & set(floor):  # pinned at their floor
            undecided -= set(floor)
            out += [hidden[j] for j in floor if point[j] != 0]
            break
        undecided -= risen
    for i in range(len(hidden)):
        if i not in undecided:
            continue
        for sign in (-1.0, 1.0):  # the largest value first (often unbounded: then it has many)
            objective = np.zeros(len(hidden))
            objective[i] = sign
            result = solve(objective)
            if result.status != 0:  # unbounded above, or no answer: not pinned down
                undecided.discard(i)
                break
            other = np.round(result.x)
            undecided -= {j for j in undecided if other[j] != point[j]}
            if i not in undecided:
                break
        if i in undecided:  # smallest = largest: a reader can work it out
            undecided.discard(i)
            if point[i] != 0:  # a withheld cell pinned to 0 says "nobody": no small count is given away
                out.append(hidden[i])
    return sorted(out, key=index.get)  # in the cells' order: the widening that follows depends on it


_MEMO: OrderedDict[tuple, dict[str, tuple[str | None, bool]]] = OrderedDict()
_MEMO_SIZE = 512
_MEMO_LOCK = threading.Lock()


def apply(pub: Publication, suppress: bool) -> Publication:
    """Withhold, in place, what the view must not show (nothing unless `suppress`); returns `pub`.
    The marks depend only on the cells and sums, so a page's rerun reuses the last answer (the integer
    programming costs 0.1–1 s; a signature costs a millisecond)."""
    pub.suppressed = suppress
    if not suppress:
        return pub
    if pub.table and len(pub.table) < len(pub.cells):
        # The unit table first, on its own: its marks are then the same in every view that shows it (the
        # township's, each village's), whatever else the view publishes; the rest is withheld around it,
        # its shown cells being known.
        table = Publication({k: replace(c) for k, c in pub.cells.items() if k in pub.table},
                            [(t, parts) for t, parts in pub.sums if t in pub.table and set(parts) <= pub.table])
        before = {k: (c.mark, c.known) for k, c in pub.cells.items()}
        solved: dict = {}  # the table's systems, solved once: the same systems in the page are not solved again
        _memo_withhold(table, solved)
        for k, cell in table.cells.items():
            pub.cells[k].mark, pub.cells[k].known, pub.cells[k].fixed = cell.mark, cell.known, True
        done = _memo_withhold(pub, solved)
        for k in table.cells:
            pub.cells[k].fixed = False
        if done:
            return pub
        # The page states something of the table's cells that the table alone did not (the employment page's
        # bases under their units), and only table cells could close what it gives away: the whole page is
        # withheld jointly instead, as one system. Safe; this view's table may then differ from another's.
        for k, (mark, known) in before.items():
            pub.cells[k].mark, pub.cells[k].known = mark, known
        pub.joint = True
    _memo_withhold(pub)
    return pub


def _memo_withhold(pub: Publication, solved: dict | None = None) -> bool:
    """`_withhold`, or the answer it gave to the same cells, sums and marks before; whether it could
    withhold all it had to (False only when fixed cells stood in its way)."""
    # A digest, not the cells themselves: a page's signature is thousands of tuples (hundreds of KB), and
    # 512 of them kept a process hundreds of MB above its working set after the sessions had gone.
    signature = hashlib.blake2b(repr((tuple((k, c.value, c.kind, c.parts, c.known, bool(c.missing), c.mark, c.fixed)
                                            for k, c in pub.cells.items()),
                                      tuple(pub.sums))).encode(), digest_size=20).digest()
    with _MEMO_LOCK:
        known = _MEMO.get(signature)
        if known is not None:
            _MEMO.move_to_end(signature)
    if known is not None:
        marks, done = known
        for k, cell in pub.cells.items():
            cell.mark, cell.known = marks.get(k, (None, False))
        return done
    done = _withhold(pub, {} if solved is None else solved)
    with _MEMO_LOCK:  # only the cells withheld or known: most of a page is neither
        _MEMO[signature] = ({k: (c.mark, c.known) for k, c in pub.cells.items() if c.mark or c.known}, done)
        while len(_MEMO) > _MEMO_SIZE:
            _MEMO.popitem(last=False)
    return done


def _withhold(pub: Publication, solved: dict) -> bool:
    """The disclosure itself (see the module's docstring); `solved` is `determined`'s memory of systems.
    False when something still gives a count away that only fixed cells could hide."""
    equal = [(total, parts[0]) for total, parts in pub.sums if len(parts) == 1
             and total in pub.cells and parts[0] in pub.cells]
    changed = True
    while changed:  # a number equal to a known one (or to one of the settled table's shown) is known
        changed = False
        for pair in equal:
            for x, y in (pair, pair[::-1]):
                seen, other = pub.cells[x], pub.cells[y]
                shown = seen.fixed and not seen.mark and seen.value is not None
                if (seen.known or shown) and not other.known and not other.fixed:
                    other.known = changed = True
    for cell in pub.cells.values():
        if cell.kind == COUNT and cell.value is not None and 0 < cell.value < SMALL and not cell.known \
                and not cell.fixed:
            cell.mark = PRIMARY
    lines = _lines(pub)
    stuck: list = []  # what could not be made safe (fixed cells in the way)
    leaks: list[str] = []
    for _ in range(50):
        changed = _propagate(pub, stuck)
        changed = _line_pass(pub, lines, stuck) or changed
        if changed:
            continue
        leaks = determined(pub, lines, solved)
        if not leaks:
            break
        widened = False
        for leak in leaks:  # widen: withhold one more member of a line through the leaking cell
            for line in lines:
                if leak in line and _hide_more(pub, line):
                    widened = True
                    break
        if not widened:
            break
    for cell in pub.cells.values():
        if cell.kind == RATE and cell.value is not None:
            numerator, denominator = (pub.cells[p] for p in cell.parts)
            if not cell.known and (numerator.mark or denominator.mark or (denominator.value or 0) < SMALL):
                cell.mark = WITHHELD
        elif cell.kind == MEAN and cell.value is not None:
            total, count = (pub.cells[p] for p in cell.parts)
            if total.mark or count.mark or (count.value or 0) < SMALL:
                cell.mark = WITHHELD
    for cell in pub.cells.values():  # a change says no more than its two ends: shown only with both
        if cell.kind == CHANGE and cell.value is not None and any(pub.cells[p].mark for p in cell.parts):
            cell.mark = WITHHELD
    fixed = any(c.fixed for c in pub.cells.values())
    return not (fixed and (stuck or leaks))


def _hide_more(pub: Publication, line: list[str]) -> bool:
    """Withhold the smallest shown member of a line (a part of at least 5 first)."""
    victim = _withhold_next(pub, line)
    return victim is not None and _hide(pub, victim)


def legend_needed(pub: Publication) -> bool:
    """Whether anything published is withheld (the legend of marks must then be shown)."""
    return any(cell.mark for cell in pub.cells.values())
