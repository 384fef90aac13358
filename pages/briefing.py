"""汇报: plays a briefing script (the county's or a township's) slide by slide; ui/briefing_ui.py draws it."""

import streamlit as st

from ui import briefing, briefing_ui, page

# ?presenter=ID opens the presenter view of a playing; kept in the session (the view rewrites the URL).
if briefing.LIVE_ID.match(st.query_params.get("presenter", "")):
    st.session_state[briefing_ui.PRESENTER_KEY] = st.query_params["presenter"]
ctx, view = page.setup("汇报", "按汇报脚本逐页放映：每页是某个页面及其筛选条件，投影模式显示；可现场下钻，再“回到本页”。")
briefing_ui.page(ctx)
