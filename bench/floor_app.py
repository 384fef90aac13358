"""The least a dashboard page draws: a title, one plotly bar chart, one pydeck map, nothing read from a
warehouse. `python -m bench.first_paint` times its first complete paint beside the dashboard's, to show what
Streamlit itself costs on this machine before any of the dashboard's own elements."""

import pandas as pd
import plotly.express as px
import pydeck as pdk
import streamlit as st

st.title("首屏基线")
st.plotly_chart(px.bar(x=["甲", "乙", "丙"], y=[1, 2, 3]))
st.pydeck_chart(pdk.Deck(
    layers=[pdk.Layer("ScatterplotLayer", data=pd.DataFrame({"x": [120.0], "y": [30.0]}), get_position=["x", "y"],
                      get_radius=1000)],
    map_style=None, initial_view_state=pdk.ViewState(latitude=30, longitude=120, zoom=8)))
