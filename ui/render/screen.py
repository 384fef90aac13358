"""A Publication on screen (and on a projector slide): the names pages draw with, gathered from the modules
that own each concern. The only place the page's numbers become pixels; their text comes from
`Publication.text`. Who a view is for is decided in one place, queries.audience.decide.

- `ui.render.output`: the publication for the view's audience and for exports (owns disclosure policy);
- `ui.render.cards`: headline cards, legend, tables, 文字解读;
- `ui.render.chart`: plotly charts on a page and on a slide, drilling by click;
- `ui.render.map_view`: the choropleth, its legend and press map;
- `ui.render.downloads`: press PNGs, XLSX in their versions, the Word draft, their title lines.
"""

from ui.render.cards import against_target, card, legend, ranked, rate_reached, summary, table, text_card
from ui.render.chart import PLOTLY_CONFIG, can_drill, chart, drill_hint, plotted_values, present_figure
from ui.render.downloads import caption_for, draft_download, export_menu, export_name, export_table
from ui.render.map_view import legend_html, region_map
from ui.render.output import Output, chart_name, unit_frame

__all__ = ["PLOTLY_CONFIG", "Output", "against_target", "can_drill", "caption_for", "card", "chart", "chart_name",
           "draft_download", "drill_hint", "export_menu", "export_name", "export_table", "legend", "legend_html",
           "plotted_values", "present_figure", "ranked", "rate_reached", "region_map", "summary", "table", "text_card",
           "unit_frame"]
