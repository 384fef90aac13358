"""残联数据驾驶舱: routes the pages, opens the warehouse, draws the shared filters. Nothing else."""

import streamlit as st

from queries.db import WarehouseError
from ui import data, frame
from ui.labels import APP_TITLE

st.set_page_config(page_title=APP_TITLE, layout="wide")

PAGES = [
    st.Page("pages/overview.py", title="总览", url_path="overview", default=True),
    st.Page("pages/monitoring.py", title="防返贫监测", url_path="monitoring"),
    st.Page("pages/subsidies.py", title="两项补贴", url_path="subsidies"),
    st.Page("pages/rehabilitation.py", title="康复服务", url_path="rehabilitation"),
    st.Page("pages/employment.py", title="就业帮扶", url_path="employment"),
    st.Page("pages/accessibility.py", title="无障碍与托养", url_path="accessibility"),
    st.Page("pages/about.py", title="数据说明", url_path="about"),
]
TREND_PAGES = {"monitoring", "subsidies"}

page = st.navigation(PAGES)
try:
    ctx = data.context()
except WarehouseError as exc:
    st.error(f"**数据仓库不可用。** {exc}")
    st.info("演示数据：运行 `bash scripts/demo.sh` 会自动生成并导入。正式数据：见 README“导入数据”。")
    st.stop()
st.session_state["ctx"] = ctx
st.session_state["view"] = frame.current_view(ctx, trend=page.url_path in TREND_PAGES)
try:
    page.run()
except WarehouseError as exc:
    st.error(f"**查询失败。** {exc}")
