"""汇报: plays a briefing script (the county's or a township's) slide by slide; ui/briefing_ui.py draws it."""

from ui import briefing_ui, page

ctx, view = page.setup("汇报", "按汇报脚本逐页放映：每页是某个页面及其筛选条件，投影模式显示；可现场下钻，再“回到本页”。")
briefing_ui.page(ctx)
