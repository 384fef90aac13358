"""The case list as a table (shown on /warnings and written as the 核查清单 XLSX). No streamlit."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Mapping

import pandas as pd

from cases.store import case_number
from queries.catalog import COMPARE_ITEMS
from queries.cells import write_xlsx
from queries.compare import facts_text

VISIT_COLUMNS = ["入户核查情况", "处置结果", "核查人签字", "日期"]


def situation(rule: str, facts: Mapping[str, object], month: str) -> str:
    """A 比对项 case's facts in the comparison's words (queries.compare.facts_text: '死亡 2025-06-27；其后仍发放 …')
    and what is to be done; '' for the other rules (their name says it)."""
    if rule not in COMPARE_ITEMS:
        return ""
    return f"{facts_text({**facts, 'item': rule}, month)}。应做：{COMPARE_ITEMS[rule].action}"


def case_rows(cases: pd.DataFrame, township_name: Callable[[str], str], village_name: Callable[[object], str],
              with_township: bool = True, with_situation: bool = False) -> pd.DataFrame:
    """One row per case (cases of `cases.store.with_deadlines` with `rule_name`): number, rule, area,
    pseudonyms, state, who, opened, working days against the 期限, 超期; with `with_situation` (the 核查清单) a
    比对项's facts and what to do after the rule."""
    facts = [json.loads(f) if f else {} for f in cases["facts"]]
    table = pd.DataFrame({
        "案件编号": cases["case_id"].map(case_number),
        "预警规则": cases["rule_name"],
        "乡镇": cases["township_code"].map(township_name),
        "村（社区）": cases["village_code"].map(village_name),
        "户编号（假名）": [str(f.get("household_id") or "") for f in facts],
        "对象编号（假名）": [s if k != "township" else "" for s, k in zip(cases["subject"], cases["subject_kind"],
                                                                   strict=True)],
        "状态": cases["state"],
        "超期": cases["is_overdue"].map({True: "超期", False: ""}),  # beside the state: on a laptop's first screen
        "接收人": cases["assignee"].fillna(""),
        "生成日期": cases["opened_on"],
        "已用工作日": cases["working_days"].astype(int),
        "期限（工作日）": cases["deadline_working_days"].astype(int),
    })
    if with_situation:
        months = cases["data_month"] if "data_month" in cases else pd.Series([""] * len(cases), index=cases.index)
        table.insert(2, "情况", [situation(r, f, m) for r, f, m in zip(cases["rule"], facts, months, strict=True)])
    return table if with_township else table.drop(columns=["乡镇"])


def checklist_xlsx(rows: pd.DataFrame) -> bytes:
    """核查清单: the rows with empty columns for what the visit found; every text cell formula-safe."""
    buffer = io.BytesIO()
    write_xlsx(rows.assign(**dict.fromkeys(VISIT_COLUMNS, "")), buffer, sheet_name="核查清单")
    return buffer.getvalue()


def person_ids(cases: pd.DataFrame) -> list[list[int]]:
    """Per case, the persons it is about: the person of a person case, the members of a household case
    (`member_ids` of its facts), none for a township."""
    out = []
    for subject, kind, facts in zip(cases["subject"], cases["subject_kind"], cases["facts"], strict=True):
        if kind == "person":
            out.append([int(subject)])
        elif kind == "household":
            members = (json.loads(facts) if facts else {}).get("member_ids") or ""
            out.append([int(m) for m in str(members).split(",") if m.strip()])
        else:
            out.append([])
    return out


def with_names(rows: pd.DataFrame, cases: pd.DataFrame, people: Mapping[int, object], full: bool = False
               ) -> pd.DataFrame:
    """The case rows with 姓名 (masked, or full for a checklist that is to be acted on) and the real 户编号
    from the identity store (`data.identity`: objects with name, masked_name, household) in place of the
    pseudonyms; a person the store does not know keeps the pseudonym."""
    ids = person_ids(cases)
    names = ["、".join((p.name if full else p.masked_name) for p in (people.get(i) for i in group) if p is not None)
             for group in ids]
    households = [next((p.household for p in (people.get(i) for i in group) if p is not None), "") for group in ids]
    out = rows.copy()
    out.insert(out.columns.get_loc("户编号（假名）"), "姓名", names)
    out["户编号（假名）"] = [h or old for h, old in zip(households, out["户编号（假名）"], strict=True)]
    out = out.rename(columns={"户编号（假名）": "户编号"})
    return out.drop(columns=["对象编号（假名）"])
