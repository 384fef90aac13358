"""The case store (预警核查): the cases the 预警 rules raise and what townships did with them, outside the
read-only warehouse. SQLite by default (`var/cases.sqlite`, env `CASES_DB`, mode 0600, WAL), or PostgreSQL
when `CASES_DB` is a `postgresql+psycopg://…` URL. One schema, migrated on open (`schema_version`).

A case is keyed by (rule, subject, period): the subject is a person's or household's pseudonym from the
warehouse (or a township code), the period what the rule keeps a case for (a year, a month, a monitoring
enrolment), so a re-import never duplicates a case and a closed case never reopens for its period.
States: 待核查 → 核查中 (接收: assigned to a user) → 已处置 (an outcome code and a note) or 误报 (a note).
A case whose condition is gone after a new import becomes 条件已消除 (to be confirmed: 处置 or 误报
close it), never deleted. Every change writes a `case_history` row in the same transaction, and every
change checks the version the user saw: two people (or processes) changing one case cannot overwrite
each other; the second is told to reload. Nothing here imports streamlit or ui/.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa

from queries.warnings import Config, absent, candidates, config, rule_month, working_days_many

SYNC_BATCH = 5_000  # cases written per statement when an import is synchronised (memory, not speed)

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = ROOT / "var" / "cases.sqlite"

PENDING, CHECKING, GONE, RESOLVED, FALSE_ALARM = "待核查", "核查中", "条件已消除", "已处置", "误报"
OPEN_STATES = (PENDING, CHECKING, GONE)
CLOSED_STATES = (RESOLVED, FALSE_ALARM)
STATES = (*OPEN_STATES, *CLOSED_STATES)
# 处置结果: what was done (code → label); a note always says how.
OUTCOMES = {
    "benefit_granted": "已落实补贴（补发或纳入发放）",
    "measure_recorded": "已落实帮扶措施",
    "service_arranged": "已安排康复服务",
    "risk_eliminated": "已消除风险（按程序）",
    "data_corrected": "数据有误，已更正",
    "not_eligible": "经核实不符合条件",
    "other": "其他（见说明）",
}
MAX_NOTE = 1000
MAX_USER = 64


class CaseError(ValueError):
    """An action the case's state or the input does not allow; the message says why (Chinese)."""


class Conflict(CaseError):
    """The case was changed by someone else since it was read: reload and decide again."""


class OutOfScope(PermissionError):
    """The case belongs to another township than the user's."""


def store_url() -> str:
    """Where the store is: env CASES_DB (a file path or a PostgreSQL URL), else var/cases.sqlite."""
    return os.environ.get("CASES_DB") or str(DEFAULT_DB)


def _is_postgres(url: str) -> bool:
    return url.startswith(("postgresql:", "postgresql+", "postgres:"))


def _now() -> str:
    return dt.datetime.now().isoformat(timespec="seconds")


# Migrations: version → statements. Append, never edit a released one. Types are portable (dates as ISO text).
MIGRATIONS: dict[int, list[str]] = {
    1: [
        """CREATE TABLE cases (
            case_id {serial},
            rule TEXT NOT NULL, subject TEXT NOT NULL, period TEXT NOT NULL,
            subject_kind TEXT NOT NULL, township_code TEXT NOT NULL, village_code TEXT,
            facts TEXT NOT NULL, data_month TEXT NOT NULL,
            state TEXT NOT NULL, assignee TEXT, outcome TEXT, note TEXT,
            opened_on TEXT NOT NULL, closed_on TEXT, gone_on TEXT,
            first_import TEXT, last_import TEXT,
            version INTEGER NOT NULL DEFAULT 1, updated_at TEXT NOT NULL,
            UNIQUE (rule, subject, period))""",
        "CREATE INDEX cases_township ON cases (township_code, state)",
        """CREATE TABLE case_history (
            history_id {serial}, case_id INTEGER NOT NULL, at TEXT NOT NULL, actor TEXT NOT NULL,
            action TEXT NOT NULL, from_state TEXT, to_state TEXT, detail TEXT)""",
        "CREATE INDEX case_history_case ON case_history (case_id)",
        "CREATE TABLE case_meta (key TEXT PRIMARY KEY, value TEXT)",
    ],
    # 总览's card counts the open cases by rule and dates (Store.open_groups) from this index alone: a province
    # has some 280,000 cases, whose rows (facts and all) are not read for two numbers.
    2: ["CREATE INDEX cases_open ON cases (state, township_code, rule, opened_on, closed_on)"],
}
SYSTEM = "系统（导入同步）"


@dataclass
class SyncResult:
    """What one synchronisation with an import did."""

    opened: int = 0
    kept: int = 0
    gone: int = 0
    back: int = 0
    skipped: bool = False  # this import was synchronised before


class Store:
    """The case store on one database; `Store()` opens (and migrates) the configured one."""

    def __init__(self, url: str | None = None) -> None:
        self.url = url or store_url()
        self.postgres = _is_postgres(self.url)
        if self.postgres:
            self.engine = sa.create_engine(self.url, pool_pre_ping=True)
        else:
            path = Path(self.url)
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists():
                path.touch(mode=0o600)
            self.engine = sa.create_engine(f"sqlite:///{path}", connect_args={"timeout": 30})
            sa.event.listen(self.engine, "connect", _sqlite_connect)
            sa.event.listen(self.engine, "begin", lambda con: con.exec_driver_sql("BEGIN IMMEDIATE"))
        self.migrate()

    # -- schema -------------------------------------------------------------------------------------------
    def migrate(self) -> int:
        """Apply the migrations this database lacks, one writer at a time; return the schema version."""
        serial = "BIGSERIAL PRIMARY KEY" if self.postgres else "INTEGER PRIMARY KEY AUTOINCREMENT"
        with self.engine.begin() as con:
            if self.postgres:
                con.exec_driver_sql("SELECT pg_advisory_xact_lock(28028)")  # two processes opening at once
            con.exec_driver_sql("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            current = con.exec_driver_sql("SELECT max(version) FROM schema_version").scalar() or 0
            for version in sorted(v for v in MIGRATIONS if v > current):
                for statement in MIGRATIONS[version]:
                    con.exec_driver_sql(statement.format(serial=serial))
                con.execute(sa.text("INSERT INTO schema_version (version) VALUES (:v)"), {"v": version})
                current = version
        return current

    def schema_version(self) -> int:
        """The applied schema version."""
        with self.engine.connect() as con:
            return int(con.exec_driver_sql("SELECT max(version) FROM schema_version").scalar() or 0)

    # -- reading ------------------------------------------------------------------------------------------
    def frame(self, sql: str, **params: object) -> pd.DataFrame:
        """One bound SELECT as a DataFrame."""
        with self.engine.connect() as con:
            result = con.execute(sa.text(sql), params)
            return pd.DataFrame(result.fetchall(), columns=list(result.keys()))

    def cases(self, township: str = "", rules: Iterable[str] = (), states: Iterable[str] = ()) -> pd.DataFrame:
        """The cases of a township ('' = the county), optionally of some rules and states, newest first."""
        frame = self.frame("SELECT * FROM cases WHERE (:township = '' OR township_code = :township) "
                           "ORDER BY opened_on DESC, case_id DESC", township=township)
        rules, states = list(rules), list(states)
        if rules:
            frame = frame[frame["rule"].isin(rules)]
        if states:
            frame = frame[frame["state"].isin(states)]
        return frame.reset_index(drop=True)

    def open_groups(self, township: str = "") -> pd.DataFrame:
        """The open cases of a township ('' = the county) counted by what their 期限 depends on (rule,
        opened_on, closed_on, state; column `n`): 总览's card needs their number and how many are overdue,
        not every case's row (hundreds of thousands at province scale)."""
        states = {f"s{i}": state for i, state in enumerate(OPEN_STATES)}
        return self.frame("SELECT rule, opened_on, closed_on, state, count(*) AS n FROM cases "
                          "WHERE (:township = '' OR township_code = :township) "
                          f"AND state IN ({', '.join(':' + k for k in states)}) "
                          "GROUP BY rule, opened_on, closed_on, state", township=township, **states)

    def case(self, case_id: int) -> dict:
        """One case as a dict (facts decoded); CaseError if there is none."""
        frame = self.frame("SELECT * FROM cases WHERE case_id = :id", id=int(case_id))
        if frame.empty:
            raise CaseError(f"没有编号为 {case_number(case_id)} 的预警案件。")
        row = frame.iloc[0].to_dict()
        row["facts"] = json.loads(row["facts"])
        return row

    def history(self, case_id: int) -> pd.DataFrame:
        """Every change of a case, oldest first."""
        return self.frame("SELECT at, actor, action, from_state, to_state, detail FROM case_history "
                          "WHERE case_id = :id ORDER BY history_id", id=int(case_id))

    def synced_import(self) -> str:
        """The import id the store was last synchronised with ('' never)."""
        frame = self.frame("SELECT value FROM case_meta WHERE key = 'synced_import'")
        return str(frame["value"].iloc[0]) if len(frame) else ""

    # -- changing -----------------------------------------------------------------------------------------
    def _change(self, case_id: int, version: int, actor: str, scope: str, action: str, allowed: tuple[str, ...],
                values: Mapping[str, object], detail: str = "") -> dict:
        """Move a case from one of `allowed` states, if it is still at `version` and inside `scope`."""
        actor = (actor or "").strip()[:MAX_USER]
        if not actor:
            raise CaseError("操作人不能为空。")
        with self.engine.begin() as con:
            read = sa.text("SELECT state, township_code, subject_kind, version FROM cases WHERE case_id = :id")
            row = con.execute(read, {"id": int(case_id)}).fetchone()
            if row is None:
                raise CaseError(f"没有编号为 {case_number(case_id)} 的预警案件。")
            if scope and (row.township_code != scope or row.subject_kind == "township"):
                raise OutOfScope(f"案件 {case_number(case_id)} 不属于您的乡镇（乡镇级预警由县残联处理）。")
            sets = ", ".join(f"{column} = :{column}" for column in values)
            done = con.execute(sa.text(
                f"UPDATE cases SET {sets}, version = version + 1, updated_at = :updated_at "
                "WHERE case_id = :id AND version = :version AND state IN :allowed"
            ).bindparams(sa.bindparam("allowed", expanding=True)),
                {**values, "updated_at": _now(), "id": int(case_id), "version": int(version),
                 "allowed": list(allowed)})
            if done.rowcount != 1:
                row = con.execute(read, {"id": int(case_id)}).fetchone()  # as it is now (PostgreSQL: committed since)
                if row.version != version:
                    raise Conflict(f"案件 {case_number(case_id)} 已被他人修改（现为“{row.state}”），请刷新后重新操作。")
                raise CaseError(f"案件 {case_number(case_id)} 当前为“{row.state}”，不能{ACTION_LABELS[action]}。")
            _audit(con, case_id, actor, action, row.state, str(values.get("state", row.state)), detail)
        return self.case(case_id)

    def accept(self, case_id: int, version: int, user: str, scope: str = "") -> dict:
        """接收: the user takes the case to check it (待核查 or 条件已消除 → 核查中)."""
        return self._change(case_id, version, user, scope, "accept", (PENDING, GONE),
                            {"state": CHECKING, "assignee": user.strip()[:MAX_USER]})

    def resolve(self, case_id: int, version: int, user: str, outcome: str, note: str, scope: str = "") -> dict:
        """处置: closed with what was done (an outcome code and a note, both required)."""
        if outcome not in OUTCOMES:
            raise CaseError("请选择处置结果。")
        note = _note(note, "处置")
        return self._change(case_id, version, user, scope, "resolve", OPEN_STATES,
                            {"state": RESOLVED, "outcome": outcome, "note": note, "closed_on": dt.date.today().isoformat()},
                            f"{OUTCOMES[outcome]}：{note}")

    def false_alarm(self, case_id: int, version: int, user: str, note: str, scope: str = "") -> dict:
        """标记误报: closed as not a real case (a note required: why)."""
        note = _note(note, "标记误报")
        return self._change(case_id, version, user, scope, "false_alarm", OPEN_STATES,
                            {"state": FALSE_ALARM, "note": note, "closed_on": dt.date.today().isoformat()}, note)

    # -- synchronising with an import ----------------------------------------------------------------------
    def sync(self, found: Mapping[str, pd.DataFrame | None], import_id: str, months: Mapping[str, dt.date],
             today: dt.date | None = None, kinds: Mapping[str, str] | None = None,
             imported_at: str = "") -> SyncResult:
        """Bring the cases in line with an import's candidates (rule key → frame of `queries.warnings.
        candidates`, None for a rule its data could not evaluate, which is then left alone).

        A new (rule, subject, period) opens a case, unless the same subject has an open case of the rule
        (it is kept, whatever its period: no duplicate while one is open); a closed case's key stays closed;
        an open case whose subject is no longer found becomes 条件已消除; one found again returns to where it
        was. Idempotent for an import already synchronised; an import older (`imported_at`) than the one last
        synchronised (a process still reading the replaced warehouse) is skipped."""
        today = today or dt.date.today()
        kinds = kinds or {}
        result = SyncResult()
        with self.engine.begin() as con:
            if self.postgres:
                con.exec_driver_sql("SELECT pg_advisory_xact_lock(28029)")  # one sync at a time
            done = con.execute(sa.text("SELECT value FROM case_meta WHERE key = 'synced_import'")).scalar()
            newest = con.execute(sa.text("SELECT value FROM case_meta WHERE key = 'synced_imported_at'")).scalar()
            if done == import_id or (imported_at and newest and imported_at < newest):
                result.skipped = True
                return result
            for rule, frame in found.items():
                if frame is None:
                    continue
                existing = pd.DataFrame(con.execute(sa.text(
                    "SELECT case_id, subject, period, state, assignee, version FROM cases WHERE rule = :rule"),
                    {"rule": rule}).fetchall(), columns=["case_id", "subject", "period", "state", "assignee", "version"])
                keys = set(zip(existing["subject"], existing["period"], strict=True))
                open_cases = existing[existing["state"].isin(OPEN_STATES)]
                open_subjects = dict(zip(open_cases["subject"], open_cases["case_id"], strict=False))
                seen: set[str] = set()
                month = months[rule].isoformat()[:7]
                kept = new = 0
                for start in range(0, len(frame), SYNC_BATCH):  # a batch at a time: a province opens 366,000
                    keep_rows, new_rows = [], []
                    for row in frame.iloc[start:start + SYNC_BATCH].to_dict("records"):
                        subject, period = str(row["subject"]), str(row["period"])
                        if subject in seen:
                            continue
                        seen.add(subject)
                        facts = json.dumps(_facts(row), ensure_ascii=False)
                        if subject in open_subjects:
                            keep_rows.append({"facts": facts, "month": month, "imp": import_id,
                                              "id": int(open_subjects[subject])})
                        elif (subject, period) not in keys:  # a closed case's period is never reopened
                            new_rows.append({"rule": rule, "subject": subject, "period": period,
                                             "kind": kinds.get(rule, ""), "township": str(row["township_code"]),
                                             "village": _text(row.get("village_code")), "facts": facts,
                                             "month": month, "state": PENDING, "opened": today.isoformat(),
                                             "imp": import_id, "now": _now()})
                    if keep_rows:
                        con.execute(sa.text("UPDATE cases SET facts = :facts, data_month = :month, last_import = :imp"
                                            " WHERE case_id = :id"), keep_rows)
                    if new_rows:
                        con.execute(sa.text(
                            "INSERT INTO cases (rule, subject, period, subject_kind, township_code, village_code,"
                            " facts, data_month, state, opened_on, first_import, last_import, version, updated_at)"
                            " VALUES (:rule, :subject, :period, :kind, :township, :village, :facts, :month, :state,"
                            " :opened, :imp, :imp, 1, :now)"), new_rows)
                    kept, new = kept + len(keep_rows), new + len(new_rows)
                if new:
                    opened = con.execute(sa.text("SELECT case_id FROM cases WHERE rule = :r AND first_import = :imp"),
                                         {"r": rule, "imp": import_id}).scalars().all()
                    for start in range(0, len(opened), SYNC_BATCH):
                        con.execute(sa.text(
                            "INSERT INTO case_history (case_id, at, actor, action, from_state, to_state, detail) "
                            "VALUES (:id, :at, :actor, 'open', NULL, :t, :d)"),
                            [{"id": int(i), "at": _now(), "actor": SYSTEM, "t": PENDING,
                              "d": f"导入 {import_id}，数据月份 {month}"} for i in opened[start:start + SYNC_BATCH]])
                del frame
                result.kept += kept
                result.opened += new
                for case in open_cases.itertuples():
                    if case.subject in seen and case.state == GONE:
                        back = CHECKING if case.assignee else PENDING
                        _set_state(con, case, back, "condition_back", f"导入 {import_id} 中条件再次出现")
                        result.back += 1
                    elif case.subject not in seen and case.state != GONE:
                        _set_state(con, case, GONE, "condition_gone", f"导入 {import_id} 中条件已不成立，待确认")
                        con.execute(sa.text("UPDATE cases SET gone_on = :d WHERE case_id = :id"),
                                    {"d": today.isoformat(), "id": int(case.case_id)})
                        result.gone += 1
            _put_meta(con, "synced_import", import_id)
            if imported_at:
                _put_meta(con, "synced_imported_at", imported_at)
        return result


ACTION_LABELS = {"accept": "接收", "resolve": "处置", "false_alarm": "标记误报", "open": "生成",
                 "condition_gone": "条件已消除", "condition_back": "条件再次出现"}


def _sqlite_connect(dbapi_connection, _record) -> None:
    """SQLite: transactions are begun by the engine's BEGIN IMMEDIATE (one writer at a time), WAL."""
    dbapi_connection.isolation_level = None
    dbapi_connection.execute("PRAGMA journal_mode=WAL")
    dbapi_connection.execute("PRAGMA busy_timeout=30000")


def _note(note: str, what: str) -> str:
    """A required note, trimmed; CaseError when empty or too long."""
    note = (note or "").strip()
    if not note:
        raise CaseError(f"{what}须填写说明（核查情况、采取的措施）。")
    if len(note) > MAX_NOTE:
        raise CaseError(f"说明不得超过{MAX_NOTE}字。")
    return note


def _text(value: object) -> str | None:
    """A code as text, None for a missing one."""
    return None if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA else str(value)


def _facts(row: Mapping[str, object]) -> dict:
    """A candidate row's facts as JSON-ready values (dates ISO, numpy numbers plain)."""
    out = {}
    for key, value in row.items():
        if key in ("subject", "period", "township_code"):
            continue
        if value is pd.NaT or value is None:  # a missing date (a 比对项's second date, say)
            value = None
        elif isinstance(value, (dt.date, pd.Timestamp)):
            value = pd.Timestamp(value).strftime("%Y-%m-%d")
        elif isinstance(value, np.generic):
            value = value.item()
        elif value is None or (isinstance(value, float) and np.isnan(value)):
            value = None
        elif not isinstance(value, (int, float, str, bool)):
            value = str(value)
        out[key] = value
    return out


def _audit(con, case_id: int, actor: str, action: str, from_state: str | None, to_state: str, detail: str) -> None:
    """One history row, in the transaction of the change it records."""
    con.execute(sa.text("INSERT INTO case_history (case_id, at, actor, action, from_state, to_state, detail) "
                        "VALUES (:id, :at, :actor, :action, :f, :t, :d)"),
                {"id": int(case_id), "at": _now(), "actor": actor, "action": action, "f": from_state, "t": to_state,
                 "d": detail[:MAX_NOTE + 100]})


def _set_state(con, case, state: str, action: str, detail: str) -> None:
    """A system state change during a sync (the version goes up: a user holding the old one must reload)."""
    con.execute(sa.text("UPDATE cases SET state = :s, version = version + 1, updated_at = :now WHERE case_id = :id"),
                {"s": state, "now": _now(), "id": int(case.case_id)})
    _audit(con, case.case_id, SYSTEM, action, case.state, state, detail)


def _put_meta(con, key: str, value: str) -> None:
    """Set a case_meta value."""
    con.execute(sa.text("DELETE FROM case_meta WHERE key = :k"), {"k": key})
    con.execute(sa.text("INSERT INTO case_meta (key, value) VALUES (:k, :v)"), {"k": key, "v": value})


def case_number(case_id: int) -> str:
    """The number a case is named by on screen and on paper: YJ000123."""
    return f"YJ{int(case_id):06d}"


def with_deadlines(frame: pd.DataFrame, today: dt.date | None = None, cfg: Config | None = None) -> pd.DataFrame:
    """The cases with `working_days` (open: since opened; closed: to closing), `deadline_working_days` of
    their rule, and `is_overdue` (open and past the 期限)."""
    cfg = cfg or config()
    today = today or dt.date.today()
    out = frame.copy()
    if out.empty:
        return out.assign(working_days=pd.Series(dtype=int), deadline_working_days=pd.Series(dtype=int),
                          is_overdue=pd.Series(dtype=bool))
    until = pd.to_datetime(out["closed_on"].where(out["closed_on"].notna() & (out["closed_on"] != ""), today.isoformat()))
    days = working_days_many(out["opened_on"], until, cfg)
    deadline = {r.key: r.deadline_working_days for r in cfg.rules}
    out["working_days"] = days
    out["deadline_working_days"] = out["rule"].map(deadline).fillna(0).astype(int)
    out["is_overdue"] = out["state"].isin(OPEN_STATES) & (out["working_days"] > out["deadline_working_days"])
    return out


def open_overdue_counts(store: Store, township: str = "", today: dt.date | None = None,
                        cfg: Config | None = None) -> tuple[int, int]:
    """(open cases, of them overdue) of a township ('' = the county), as `with_deadlines` judges each case,
    from the store's counts per rule and dates (`Store.open_groups`) instead of every case's row."""
    groups = with_deadlines(store.open_groups(township), today, cfg)
    return int(groups["n"].sum()), int(groups.loc[groups["is_overdue"], "n"].sum())


class _Candidates(Mapping):
    """Rule key → its candidates, queried when asked for and not kept: the store synchronises one rule at a
    time, so a process holds one rule's cases at once, not every rule's (a province: 366,000 cases)."""

    def __init__(self, wh, rules: dict, months: dict) -> None:
        self.wh, self.rules, self.months = wh, rules, months

    def __getitem__(self, key: str) -> pd.DataFrame | None:
        at = self.months.get(key)
        return candidates(self.wh, self.rules[key], at) if at else None

    def __iter__(self):
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)


def sync_warehouse(store: Store, wh, import_id: str, today: dt.date | None = None, cfg: Config | None = None,
                   month: str = "") -> SyncResult:
    """Evaluate every rule on the warehouse and synchronise the store with the result. A rule that cannot be
    evaluated (no data; a 比对项 whose register this import lacks) leaves its cases as they are."""
    cfg = cfg or config()
    gone = absent(wh, cfg)
    months = {}
    for rule in cfg.rules:
        at = None if rule.key in gone else rule_month(wh, rule, month)
        if at:
            months[rule.key] = at
    found = _Candidates(wh, {r.key: r for r in cfg.rules}, months)
    meta = wh.frame("SELECT value FROM meta_import WHERE key = 'imported_at'")
    imported_at = str(meta["value"].iloc[0]) if len(meta) else ""
    return store.sync(found, import_id, months, today, {r.key: r.subject for r in cfg.rules}, imported_at)


def main(argv: list[str] | None = None) -> int:
    """Synchronise the store with the warehouse, or list its cases per rule and state."""
    import argparse
    import sys

    from queries.db import WarehouseError, connect
    from queries.warnings import ConfigError

    parser = argparse.ArgumentParser(
        prog="python -m cases.store",
        description="预警案件库：按当前数据仓库生成、更新预警案件（sync），或按规则和状态统计（summary）。"
                    "案件库位置：环境变量 CASES_DB（文件路径或 PostgreSQL URL），默认 var/cases.sqlite。"
                    " The case store: synchronise with the warehouse, or count cases.")
    parser.add_argument("command", choices=["sync", "summary"], help="sync：与数据仓库同步；summary：按规则、状态统计")
    parser.add_argument("--warehouse", help="DuckDB 文件或 PostgreSQL URL（默认：WAREHOUSE_URL 或演示仓库）")
    parser.add_argument("--cases", help="案件库（默认：CASES_DB 或 var/cases.sqlite）")
    args = parser.parse_args(argv)
    try:
        store = Store(args.cases)
        if args.command == "sync":
            wh = connect(args.warehouse)
            result = sync_warehouse(store, wh, wh.import_id())
            if result.skipped:
                print("本次导入已同步过，无变化。")
            else:
                print(f"同步完成：新增{result.opened}件，延续{result.kept}件，条件已消除{result.gone}件，"
                      f"条件再次出现{result.back}件。")
        else:
            frame = store.cases()
            names = {r.key: r.name for r in config().rules}
            if frame.empty:
                print("案件库中还没有预警案件（先运行 sync）。")
            for (rule, state), n in frame.groupby(["rule", "state"]).size().items():
                print(f"{names.get(rule, rule)}\t{state}\t{n}")
    except (WarehouseError, ConfigError, sa.exc.SQLAlchemyError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
