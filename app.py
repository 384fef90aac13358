"""残联数据驾驶舱: sets up the page and routes to the pages in pages/. Nothing else."""

import duckdb
import streamlit as st

from queries.targets import TargetsError

try:  # the catalogue reads and checks config/targets.yaml (TARGETS_FILE) once: a bad file stops the app here
    import queries.catalog  # noqa: F401
except TargetsError as error:
    st.set_page_config(page_title="残联数据驾驶舱", layout="wide")
    st.error(f"目标配置有误，驾驶舱未启动：{error}")
    st.stop()

from queries.db import WarehouseError
from ui import auth
from ui.labels import APP_TITLE
from ui.page import failure_page

st.set_page_config(page_title=APP_TITLE, layout="wide")

PAGES = [
    st.Page("pages/overview.py", title="总览", default=True),
    st.Page("pages/monitoring.py", title="防返贫监测", url_path="monitoring"),
    st.Page("pages/subsidies.py", title="两项补贴", url_path="subsidies"),
    st.Page("pages/rehabilitation.py", title="康复服务", url_path="rehabilitation"),
    st.Page("pages/employment.py", title="就业帮扶", url_path="employment"),
    st.Page("pages/accessibility.py", title="无障碍与托养", url_path="accessibility"),
    st.Page("pages/explore.py", title="指标分析", url_path="explore"),
    st.Page("pages/compare.py", title="数据比对", url_path="compare"),
    st.Page("pages/about.py", title="数据说明", url_path="about"),
    st.Page("pages/briefing.py", title="汇报", url_path="briefing"),
]
# 预警 lists cases about persons: never offered to the press role (not in its menu); a typed /warnings
# reaches the page, which refuses press in words (as 数据比对 does) instead of opening 总览 without one.
PRESS = getattr(st.session_state.get(auth.SESSION_KEY), "role", "") == "press"
PAGES.insert(8, st.Page("pages/warnings.py", title="预警", url_path="warnings",
                        visibility="hidden" if PRESS else "visible"))

try:
    st.navigation(PAGES).run()
except (WarehouseError, duckdb.Error) as exc:  # a page's query failed: say what and what to do
    failure_page(exc)
