"""Small-number suppression over a whole Publication, once, before any renderer sees it.

Rules (issue 11): a count of 1-4 persons or households is withheld ("<5", primary). Then, over every
relation the page states — totals and the county line, sums within a row, amounts tied to a withheld
count, gaps computed from other counts — more cells are withheld ("×", complementary) until every hidden
cell keeps its protection interval (issue 26, docs/decisions/disclosure.md): given everything shown and
every stated sum, a "<5" can still take each value 1-4, and a "×" of persons or households (other than a
true 0: nobody to protect) ranges over at least 5 values more than its least (max − min ≥ 5); a hidden
amount is never pinned to one value. Each sum line is checked exactly with interval arithmetic
(`line_is_safe`), and the whole system of sums is then checked with integer programming (`determined`),
which also catches what only several lines together give away. Rates whose numerator or denominator is
hidden, or whose denominator is under 5, and means over fewer than 5 units or over a hidden count, are
withheld ("—").

Fails closed: when the disclosure cannot prove a view safe — the widening does not converge within
`MAX_ROUNDS`, a leak remains that no widening can close, the solver fails or runs out of time — every
number of the view that is not known from elsewhere is withheld and the event is logged (`unproven`).

What a reader knows: every shown number exactly, "<5" is 1-4, "×" any value, and every stated sum.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import logging
import threading
from collections import OrderedDict
from dataclasses import replace

import numpy as np

from queries.publish import AMOUNT, CHANGE, COUNT, LINK, MEAN, PRIMARY, RATE, SECONDARY, TALLY, WITHHELD, Publication

_LINE_KINDS = (COUNT, AMOUNT, LINK)
SMALL = 5
INF = 10**12
PROTECTION = SMALL  # a "×" of persons or households (true value not 0) ranges over max − min ≥ this
MAX_ROUNDS = 50  # rounds of widening before the view is given up as unproven (withheld whole)
SET_ROUNDS = 400  # the same for the public set's solve, once per import (`linked_solve`)
SOLVE_SECONDS = 20.0  # the time limit of one integer program; hitting it leaves the view unproven
log = logging.getLogger(__name__)


_LINKED: contextvars.ContextVar[bool] = contextvars.ContextVar("disclosure_linked", default=False)


@contextlib.contextmanager
def linked_solve():
    """Within it, `apply` solves the public set (queries.public_set: every year's table and the identities
    between years, once per import): up to SET_ROUNDS rounds of widening, and a cell still unprotected after
    its widening gets twice as many more cells withheld around it in the next round (1, 2, 4, … 32). One cell
    per leak per round did not converge in MAX_ROUNDS on the province (200 townships, six years)."""
    token = _LINKED.set(True)
    try:
        yield
    finally:
        _LINKED.reset(token)


class Unproven(Exception):
    """The disclosure could not prove the view safe (the solver failed or ran out of time)."""


def protected(mark: str | None, value: float, lo: float, hi: float, kind: str = COUNT,
              base: tuple[float, float] | None = None) -> bool:
    """Whether a withheld cell whose feasible values run from `lo` to `hi` (all integers between being
    feasible) keeps its protection interval: a "<5" every value 1-4; a "×" of a count, unless it is truly
    0, a range of at least PROTECTION (max − min); a hidden amount at least two values. `base` is the range
    the cell would have were every number of the view withheld but those the reader knows from elsewhere
    (the counts of 1-4 as "<5"): what those already tell cannot be asked of the view (a township's known
    total of 3 bounds its villages by 3, a village's "<5" its categories by 4, whatever is withheld)."""
    blo, bhi = base if base is not None else (-INF, INF)
    if kind == LINK:  # a link is nobody's number: it only ties others
        return True
    if mark == PRIMARY:
        return lo <= max(1, blo) and hi >= min(SMALL - 1, bhi)
    if value == 0:
        return True
    return hi - lo >= min(PROTECTION if kind == COUNT else 1, bhi - blo)


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


def _line_ranges(values: list[int], marks: list[str | None]) -> dict[int, list[tuple[int, int]]]:
    """For one line (its cells, then its total last): the values each suppressed member can take given
    the shown ones and the equation sum(cells) = total, as sorted disjoint integer intervals."""
    signs = [1] * (len(values) - 1) + [-1]
    hidden = [i for i, m in enumerate(marks) if m]
    known = -sum(sign * v for sign, v, m in zip(signs, values, marks, strict=True) if not m)
    out = {}
    for i in hidden:
        parts = [_domain(marks[j]) if signs[j] > 0 else _negated(_domain(marks[j])) for j in hidden if j != i]
        others = _sumset(parts)
        # signs[i] * x_i = known - (sum of the others), so x_i lies in signs[i] * (known - others).
        targets = sorted((signs[i] * (known - hi), signs[i] * (known - lo)) for lo, hi in others)
        targets = [(min(a, b), max(a, b)) for a, b in targets]
        out[i] = sorted((max(lo, tlo), min(hi, thi)) for lo, hi in _domain(marks[i]) for tlo, thi in targets
                        if max(lo, tlo) <= min(hi, thi))
    return out


def line_is_safe(values: list[int], marks: list[str | None], kind: str = COUNT,
                 known: list[bool] | None = None, links: list[bool] | None = None) -> bool:
    """Exactly, for one line (its cells, then its total last): every suppressed member keeps its
    protection interval (`protected`) given the shown ones and the equation sum(cells) = total. `known`
    says which members the reader knows from elsewhere (they bound the others whatever is withheld);
    `links` which are links (kind LINK: never shown, nothing to protect)."""
    ranges = _line_ranges(values, marks)
    base = None
    for i, feasible in ranges.items():
        if not feasible:
            return False
        if links and links[i]:
            continue
        if _member_safe(marks[i], values[i], feasible, kind, None):
            continue
        if base is None:  # every member the reader does not know withheld: what the line itself allows
            base = _line_ranges(values, [None if known and known[j] else
                                         PRIMARY if kind == COUNT and primary(values[j]) and not (links and links[j])
                                         else SECONDARY
                                         for j in range(len(values))])
        if not _member_safe(marks[i], values[i], feasible, kind, base.get(i)):
            return False
    return True


def _member_safe(mark: str | None, value: int, feasible: list[tuple[int, int]], kind: str,
                 base: list[tuple[int, int]] | None) -> bool:
    """`protected` for a member of one line, given its feasible intervals (a "<5": each value 1-4, not
    only the two ends) and those it would have were the whole line withheld but its known members."""
    bounds = (base[0][0], base[-1][1]) if base else None
    if mark == PRIMARY:
        wanted = {v for v in range(1, SMALL) if bounds is None or bounds[0] <= v <= bounds[1]}
        return wanted <= {v for a, b in feasible for v in range(a, b + 1)}
    return protected(mark, value, feasible[0][0], feasible[-1][1], kind, bounds)


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


def _withhold_next(pub: Publication, line: list[str], useful=None) -> str | None:
    """Which member of an unsafe line to withhold next. The total is what the room reads (a county's
    households on a slide), so it goes last: the smallest shown part of at least 5, else a shown zero,
    else a part's '<5' turned into '×' (it may then be anything, which frees the others), else the total
    ('<5' → '×' last of all). With `useful(i)`, the first candidate that changes what the line leaves
    open (a withheld zero cannot lift a '<5' capped by the others' floor: turning a '<5' into '×' can), else
    the first."""
    cells = [pub.cells[k] for k in line]
    free = [i for i, c in enumerate(cells) if not c.known and not c.fixed]
    shown = [i for i in free if not cells[i].mark]
    total = len(line) - 1
    order = sorted((i for i in shown if i < total and abs(cells[i].value) >= SMALL), key=lambda i: abs(cells[i].value))
    order += [i for i in shown if i < total and cells[i].value == 0]
    order += [i for i in shown if i < total and i not in order] or \
        [i for i in free if i < total and cells[i].mark == PRIMARY]
    if total in free and cells[total].mark != SECONDARY:
        order.append(total)
    if not order:
        return None
    return line[next((i for i in order if useful(i)), order[0]) if useful else order[0]]


def _changes_line(values: list[int], marks: list[str | None], i: int) -> bool:
    """Whether withholding member `i` of a line ('×') changes the values another withheld member can take."""
    before = _line_ranges(values, marks)
    after = _line_ranges(values, [SECONDARY if j == i else m for j, m in enumerate(marks)])
    return any(after[j] != before[j] for j in before if j != i) or not before


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
        known = [pub.cells[k].known for k in line]
        links = [pub.cells[k].kind == LINK for k in line]
        while True:
            marks = [pub.cells[k].mark for k in line]
            if line_is_safe(values, marks, kind, known, links):
                break
            victim = _withhold_next(pub, line, lambda i, v=values, m=marks: _changes_line(v, m, i))
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


class Witnesses:
    """What one disclosure pass (one `_withhold`: its lines and known cells fixed) has learnt of its systems,
    kept across the widening's rounds. Withholding more only relaxes a system (a shown cell becomes a
    variable whose true value is in its domain; a '<5' turned '×' widens its domain), so every solution found
    in an earlier round is still a solution: the range each cell was seen to take (`seen`, scaled values)
    stays a lower bound of its feasible range, and a cell once settled (`protected` under its mark) stays
    settled. `base_*` keep `_Base`'s answers (they depend only on the lines and the known cells)."""

    def __init__(self) -> None:
        self.seen: dict[str, tuple[float, float]] = {}
        self.base_lo: dict[str, float] = {}  # `_Base`'s exact ends, and the range seen over its solutions
        self.base_hi: dict[str, float] = {}
        self.base_seen: dict[str, tuple[float, float]] = {}
        self.models: dict[tuple[str, ...], tuple] = {}  # each system's base program (`_Base`)
        self.programs = 0  # integer programs solved (bench, tests)

    def base_range(self, k: str) -> tuple[float, float]:
        """The base range of `k` as far as it is known (an end not solved for: unbounded, which asks the
        most of the cell: `protected` is then as without a base on that side)."""
        return self.base_lo.get(k, -INF), self.base_hi.get(k, INF)


def determined(pub: Publication, lines: list[list[str]] | None = None, solved: dict | None = None,
               witnesses: Witnesses | None = None) -> list[str]:
    """Hidden cells that do not keep their protection interval (`protected`) given everything shown and
    every stated sum (integer programming per system of linked sums: the smallest and the largest
    feasible value). A sum that shares no cell with another is exact already (`line_is_safe`) and is
    skipped. `solved` remembers each system's answer by its marks (a system the last widening did not
    touch is not solved again); `witnesses` what earlier rounds of the same pass found (`Witnesses`).
    Raises `Unproven` when the solver fails or runs out of time."""
    solved = {} if solved is None else solved
    witnesses = Witnesses() if witnesses is None else witnesses
    out = []
    for group in _components(_lines(pub) if lines is None else lines):
        if len(group) > 1:
            state = tuple((k, pub.cells[k].mark) for line in group for k in line)
            if state not in solved:
                solved[state] = _determined_in(pub, group, witnesses)
            out += solved[state]
    return out


def _milp(objective, constraint, bounds, integrality):
    """One integer program, with the time limit (a module attribute, so tests can make it fail)."""
    from scipy.optimize import milp

    return milp(objective, constraints=constraint, bounds=bounds, integrality=integrality,
                options={"time_limit": SOLVE_SECONDS})


def _determined_in(pub: Publication, lines: list[list[str]], witnesses: Witnesses | None = None) -> list[str]:
    """`determined` for one system of linked sums. The shown cells are constants, so the system is over
    the hidden cells only, each bounded above by a cap far beyond any true value (so every program has an
    optimum; a cell that reaches the cap is as good as unbounded). The range each cell is seen to take over
    every solution found so far (in this round and the pass's earlier ones: `Witnesses`) grows with each
    solve; only cells whose range seen is not yet wide enough are solved for: a few programs for many of
    them first (`_batches`), then each one's own largest and smallest value. A range still too narrow is
    measured against what the cell's base range allows (`_Base`), one end at a time: a '<5' whose largest
    value falls short of 4 where the base would allow more is unsafe whatever its smallest is."""
    from scipy.optimize import Bounds, LinearConstraint

    witnesses = Witnesses() if witnesses is None else witnesses
    keys = sorted({k for line in lines for k in line})
    hidden = [k for k in keys if pub.cells[k].mark]
    if not hidden:
        return []
    cells = [pub.cells[k] for k in hidden]
    values = np.array([_scaled(c.value, c.kind) for c in cells], dtype=float)
    seen_lo = np.array([witnesses.seen.get(k, (v, v))[0] for k, v in zip(hidden, values, strict=True)])
    seen_hi = np.array([witnesses.seen.get(k, (v, v))[1] for k, v in zip(hidden, values, strict=True)])

    def settled(i: int) -> bool:  # (with its base range, once known: it depends on nothing a round changes)
        return protected(cells[i].mark, values[i], seen_lo[i], seen_hi[i], cells[i].kind,
                         witnesses.base_range(hidden[i]))

    if all(settled(i) for i in range(len(hidden))):
        return []  # every cell already seen to range widely enough: no program to solve
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
    lower = np.array([1 if c.mark == PRIMARY else 0 for c in cells], dtype=float)
    cap = 2 * max(abs(_scaled(pub.cells[k].value, pub.cells[k].kind)) for k in keys) + 10**6
    upper = np.array([SMALL - 1 if c.mark == PRIMARY else cap for c in cells], dtype=float)
    constraint = LinearConstraint(np.array(rows), rhs, rhs)
    bounds, integrality = Bounds(lower, upper), np.ones(len(hidden))

    def solve(objective: np.ndarray) -> None:
        result = _milp(objective, constraint, bounds, integrality)
        witnesses.programs += 1
        if result.status != 0 or result.x is None:  # bounded and feasible: anything else is a failure
            raise Unproven(f"integer programming: {result.message}")
        point = np.round(result.x)
        np.minimum(seen_lo, point, out=seen_lo)
        np.maximum(seen_hi, point, out=seen_hi)

    def own(i: int, sign: float) -> None:  # the cell's own largest (sign −1) or smallest (sign 1) value
        objective = np.zeros(len(hidden))
        objective[i] = sign
        solve(objective)

    base = _Base(pub, lines, keys, witnesses)
    out = []
    try:
        _batches(cells, values, seen_lo, seen_hi, settled, solve)
        for i, k in enumerate(hidden):
            if settled(i):
                continue
            if cells[i].mark == PRIMARY:  # each value 1-4, or as far as any marking allows: end by end
                if seen_hi[i] < SMALL - 1:
                    own(i, -1.0)
                    if seen_hi[i] < SMALL - 1 and seen_hi[i] < min(SMALL - 1, base.end(k, 1, seen_hi[i])):
                        out.append(k)
                        continue
                if seen_lo[i] > 1:
                    own(i, 1.0)
                    if seen_lo[i] > 1 and seen_lo[i] > max(1, base.end(k, -1, seen_lo[i])):
                        out.append(k)
                continue
            for sign in (-1.0, 1.0):  # the largest value first (often far off: then one solve settles it)
                if settled(i):
                    break
                own(i, sign)
            if settled(i):
                continue
            if base.span_exceeds(k, seen_hi[i] - seen_lo[i]) or not protected(
                    cells[i].mark, values[i], seen_lo[i], seen_hi[i], cells[i].kind, base.range(k)):
                out.append(k)
    finally:  # what was seen stays seen, even when a later program fails
        for i, k in enumerate(hidden):
            witnesses.seen[k] = (seen_lo[i], seen_hi[i])
    return out  # in the cells' order: the widening that follows depends on it


def _batches(cells, values, seen_lo, seen_hi, settled, solve) -> None:
    """Programs that settle many open cells at once, before each one's own, each repeated while it settles
    at least two more: the open "×" pushed away from their true values, those of at least 5 down (to 0 they
    are settled) and the smaller ones up; the open "<5" not yet seen at 4 to their largest total, and those
    not yet seen at 1 to their smallest (a sum capped at 4 each pushes as many as it can to their ends)."""
    def open_cells(want) -> np.ndarray:
        return np.array([1.0 if not settled(i) and want(i) else 0.0 for i in range(len(cells))])

    def crossed(i: int) -> bool:
        return cells[i].mark != PRIMARY

    for objective_of, want in (
            (lambda o: o * np.where(values >= SMALL, 1.0, -1.0), crossed),
            (lambda o: -o, lambda i: cells[i].mark == PRIMARY and seen_hi[i] < SMALL - 1),
            (lambda o: o, lambda i: cells[i].mark == PRIMARY and seen_lo[i] > 1)):
        while (chosen := open_cells(want)).sum() > 1:
            solve(objective_of(chosen))
            if chosen.sum() - open_cells(want).sum() < 2:
                break


class _Base:
    """The base ranges of a system's cells (`_base_ranges`: every number withheld but those the reader knows,
    a count of 1-4 as "<5"), each end solved only when needed and kept in `witnesses` (they depend only on the
    lines and the known cells). The true values are one solution, and every base program's solution another:
    the range seen over them is within the base range, so it can tell that a base is wider than a cell's
    range without solving for its ends."""

    def __init__(self, pub: Publication, lines: list[list[str]], keys: list[str], witnesses: Witnesses) -> None:
        self.pub, self.lines, self.keys, self.w = pub, lines, keys, witnesses
        self.model = witnesses.models.get(tuple(keys))  # (the system's lines are the same every round)

    def _build(self):
        """The base system, and two programs that widen the range seen of many cells at once (each pushed
        away from its true value, then towards it: the small ones up and the others down, then back)."""
        from scipy.optimize import Bounds, LinearConstraint

        pub, keys = self.pub, self.keys
        free = [k for k in keys if not pub.cells[k].known]
        index = {k: i for i, k in enumerate(free)}
        rows, rhs = [], []
        for line in self.lines:
            row, constant = np.zeros(len(free)), 0
            for position, k in enumerate(line):
                sign = -1 if position == len(line) - 1 else 1
                if k in index:
                    row[index[k]] += sign
                else:
                    constant += sign * _scaled(pub.cells[k].value, pub.cells[k].kind)
            rows.append(row)
            rhs.append(-constant)
        cap = 2 * max(abs(_scaled(pub.cells[k].value, pub.cells[k].kind)) for k in keys) + 10**6
        small = [pub.cells[k].kind == COUNT and primary(pub.cells[k].value) for k in free]
        bounds = Bounds(np.array([1.0 if s else 0.0 for s in small]), np.array([SMALL - 1.0 if s else cap for s in small]))
        self.model = (free, index, LinearConstraint(np.array(rows), rhs, rhs), bounds, np.ones(len(free)))
        self.w.models[tuple(keys)] = self.model
        values = np.array([_scaled(pub.cells[k].value, pub.cells[k].kind) for k in free], dtype=float)
        for sign in (1.0, -1.0):
            self._solve(sign * np.where(values >= SMALL, 1.0, -1.0))

    def _solve(self, objective: np.ndarray) -> np.ndarray:
        """One base program; what its solution shows is kept in the witnesses' `base_seen`."""
        free, _, constraint, bounds, integrality = self.model
        result = _milp(objective, constraint, bounds, integrality)
        self.w.programs += 1
        if result.status != 0 or result.x is None:
            raise Unproven(f"integer programming: {result.message}")
        point = np.round(result.x)
        for j, name in enumerate(free):
            a, b = self.seen(name)
            self.w.base_seen[name] = (min(a, point[j]), max(b, point[j]))
        return point

    def seen(self, k: str) -> tuple[float, float]:
        """The range of `k` over the base solutions seen so far (the true value at least)."""
        value = _scaled(self.pub.cells[k].value, self.pub.cells[k].kind)
        return self.w.base_seen.get(k, (value, value))

    def end(self, k: str, sign: float, beyond: float | None = None) -> float:
        """The base's largest (sign 1) or smallest (sign −1) value of `k`; with `beyond`, a value seen past
        it (enough to know the exact end is past it too) when one is known, without solving."""
        exact = (self.w.base_hi if sign > 0 else self.w.base_lo).get(k)
        if exact is not None:
            return exact
        lo, hi = self.seen(k)
        if beyond is not None and (hi > beyond if sign > 0 else lo < beyond):
            return hi if sign > 0 else lo
        if self.model is None:
            self._build()
            lo, hi = self.seen(k)  # (the first programs may have shown enough)
            if beyond is not None and (hi > beyond if sign > 0 else lo < beyond):
                return hi if sign > 0 else lo
        free, index = self.model[0], self.model[1]
        objective = np.zeros(len(free))
        objective[index[k]] = -sign
        point = self._solve(objective)
        (self.w.base_hi if sign > 0 else self.w.base_lo)[k] = point[index[k]]
        return point[index[k]]

    def span_exceeds(self, k: str, span: float) -> bool:
        """Whether the base range of `k` is seen to be wider than `span` (then no marking is the reason)."""
        lo, hi = self.seen(k)
        return hi - lo > span

    def range(self, k: str) -> tuple[float, float]:
        """Both ends, exact."""
        return self.end(k, -1), self.end(k, 1)


def _base_ranges(pub: Publication, lines: list[list[str]], cells: list[str],
                 witnesses: Witnesses | None = None) -> dict[str, tuple[float, float]]:
    """The smallest and largest value of each of `cells` were every number of the system withheld but those
    the reader knows from elsewhere (a count of 1-4 as "<5", any other as "×"): the most protection any
    marking of the view can give."""
    base = _Base(pub, lines, sorted({k for line in lines for k in line}), witnesses or Witnesses())
    return {k: base.range(k) for k in cells}


_MEMO: OrderedDict[tuple, tuple[dict[str, tuple[str | None, bool]], bool, str]] = OrderedDict()
_MEMO_SIZE = 512
_MEMO_LOCK = threading.Lock()


def apply(pub: Publication, suppress: bool, preset: dict[str, str | None] | None = None) -> Publication:
    """Withhold, in place, what the view must not show (nothing unless `suppress`); returns `pub`.
    The marks depend only on the cells and sums, so a page's rerun reuses the last answer (the integer
    programming costs 0.1–1 s; a signature costs a millisecond). `preset`: marks settled elsewhere for some
    cells (the public set's, solved once per import over every year with the identities between them:
    queries.public_set), kept as they are; the rest of the view is withheld around them."""
    pub.suppressed = suppress
    if not suppress:
        return pub
    if preset:
        before = {k: (c.mark, c.known) for k, c in pub.cells.items()}
        for k, mark in preset.items():
            if k in pub.cells:
                pub.cells[k].mark, pub.cells[k].fixed = mark, True
        done = _memo_withhold(pub)
        for k in preset:
            if k in pub.cells:
                pub.cells[k].fixed = False
        if done:
            return pub
        # The page states more of the set's cells than the set does and only they could close what it gives
        # away: withheld as before (its table alone first), safe for this view though not with the others.
        log.warning("the public set's marks could not be kept on this view: it is withheld on its own")
        for k, (mark, known) in before.items():
            pub.cells[k].mark, pub.cells[k].known = mark, known
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
        pub.unproven = table.unproven
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
        pub.joint, pub.unproven = True, ""
    if not _memo_withhold(pub):  # (cannot happen without fixed cells; never shown if it did)
        withhold_all(pub, "the joint pass could not prove the view safe")
    return pub


def _memo_withhold(pub: Publication, solved: dict | None = None) -> bool:
    """`_withhold`, or the answer it gave to the same cells, sums and marks before; whether it could
    withhold all it had to (False only when fixed cells stood in its way)."""
    # A digest, not the cells themselves: a page's signature is thousands of tuples (hundreds of KB), and
    # 512 of them kept a process hundreds of MB above its working set after the sessions had gone.
    cells = tuple((k, c.value, c.kind, c.parts, c.known, bool(c.missing), c.mark, c.fixed) for k, c in pub.cells.items())
    signature = hashlib.blake2b(repr((_LINKED.get(), cells, tuple(pub.sums))).encode(), digest_size=20).digest()
    with _MEMO_LOCK:
        known = _MEMO.get(signature)
        if known is not None:
            _MEMO.move_to_end(signature)
    if known is not None:
        marks, done, unproven = known
        for k, cell in pub.cells.items():
            cell.mark, cell.known = marks.get(k, (None, False))
        pub.unproven = unproven
        return done
    done = _withhold(pub, {} if solved is None else solved)
    with _MEMO_LOCK:  # only the cells withheld or known: most of a page is neither
        _MEMO[signature] = ({k: (c.mark, c.known) for k, c in pub.cells.items() if c.mark or c.known}, done,
                            pub.unproven)
        while len(_MEMO) > _MEMO_SIZE:
            _MEMO.popitem(last=False)
    return done


def _withhold(pub: Publication, solved: dict) -> bool:
    """The disclosure itself (see the module's docstring); `solved` is `determined`'s memory of systems.
    False when, with fixed cells (the settled unit table), it cannot prove the view safe: the caller then
    withholds the page jointly. Without fixed cells it never fails open: what it cannot prove safe is
    withheld whole (`withhold_all`)."""
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
        elif cell.kind == LINK:  # never shown: the reader knows only that it is a non-negative integer
            cell.mark = SECONDARY
    lines = _lines(pub)
    witnesses = Witnesses()  # what the rounds below learn of the systems, kept from one round to the next
    stuck: list = []  # what could not be made safe
    leaks: list[str] = []
    problem = ""
    linked = _LINKED.get()
    rounds = SET_ROUNDS if linked else MAX_ROUNDS
    streak: dict[str, int] = {}  # rounds each cell has been found unprotected (`linked_solve`)
    try:
        for _ in range(rounds):
            changed = _propagate(pub, stuck)
            changed = _line_pass(pub, lines, stuck) or changed
            if changed:
                continue
            leaks = determined(pub, lines, solved, witnesses)
            if not leaks:
                break
            widened = False
            for leak in leaks:  # widen: withhold one more member of a line through the leaking cell
                streak[leak] = streak.get(leak, 0) + 1
                want, hidden = (2 ** min(streak[leak] - 1, 5) if linked else 1), 0
                for line in lines:
                    while hidden < want and leak in line and _hide_more(pub, line):
                        hidden += 1
                    if hidden >= want:
                        break
                widened = widened or hidden > 0
            if not widened:  # every line through them is spent: a further line of their system
                for group in _components(lines):
                    if any(leak in line for line in group for leak in leaks) and \
                            any(_hide_more(pub, line) for line in group):
                        widened = True
                        break
            if not widened:
                problem = f"{len(leaks)} cell(s) not protected and no line left to widen: {leaks[:5]}"
                break
        else:
            problem = f"the widening did not converge in {rounds} rounds"
    except Unproven as error:
        problem = str(error)
    if stuck and not problem:
        problem = f"{len(stuck)} line(s) or gap(s) that cannot be made safe"
    fixed = any(c.fixed for c in pub.cells.values())
    if problem and fixed:
        return False  # the caller withholds the page jointly, as one system
    _withhold_derived(pub)
    if problem:
        withhold_all(pub, problem)
    return True


def _withhold_derived(pub: Publication) -> None:
    """Rates, means and changes whose parts are withheld (or too small a denominator): '—'."""
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


def withhold_all(pub: Publication, why: str) -> None:
    """Fail closed: the disclosure could not prove the view safe, so every number of it that the reader
    does not know from elsewhere is withheld (counts and amounts '×', a '<5' too: it could be anything;
    rates, means and changes '—'; tallies of things, not persons, stay), and the event is logged."""
    hidden = 0
    for cell in pub.cells.values():
        if cell.value is None or cell.known or cell.kind == TALLY:
            continue
        if cell.kind in _LINE_KINDS:
            if cell.mark != SECONDARY:
                hidden += cell.mark is None
                cell.mark = SECONDARY
        elif not cell.mark:
            cell.mark = WITHHELD
            hidden += 1
    pub.unproven = why
    log.warning("disclosure could not prove the view safe (%s): the whole view is withheld (%d more cells)",
                why, hidden)


def _hide_more(pub: Publication, line: list[str]) -> bool:
    """Withhold the smallest shown member of a line (a part of at least 5 first)."""
    victim = _withhold_next(pub, line)
    return victim is not None and _hide(pub, victim)


def legend_needed(pub: Publication) -> bool:
    """Whether anything published is withheld (the legend of marks must then be shown)."""
    return any(cell.mark for cell in pub.cells.values())
