"""汇报: plays the briefing script (config/briefing.example.yaml → var/briefing.yaml) slide by slide."""

import pandas as pd
import streamlit as st

from ui import briefing, briefing_ui, page

ctx, view = page.setup("汇报", "按汇报脚本逐页放映：每页是某个页面及其筛选条件，投影模式显示；可现场下钻，再“回到本页”。")

script, problems = briefing.load()
for problem in problems:
    st.warning(problem)
st.subheader(script.title)
if not script.slides:
    st.info("汇报脚本中还没有幻灯片：在任一页面的侧栏点“加入汇报”，把当前视图加进来。")
    st.stop()
st.dataframe(pd.DataFrame([{"页": i + 1, "标题": s.title, "页面": briefing.PAGES[s.page],
                            "筛选": "，".join(f"{k}={v}" for k, v in s.params.items()) or "默认",
                            "讲稿": s.note} for i, s in enumerate(script.slides)]),
             hide_index=True, width="stretch")
start = st.selectbox("从第几页开始", range(len(script.slides)), format_func=lambda i: f"第{i + 1}页　{script.slides[i].title}",
                     key="brief_start")
if st.button("开始汇报（投影模式）", type="primary", key="brief_go"):
    briefing_ui.go_to_slide(ctx, start)
st.caption("汇报脚本保存在服务器上，可由管理员直接编辑（位置见 README“汇报”一节）。")
