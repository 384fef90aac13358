"""A page-like app for AppTest: its sidebar reads the context, its text and cards read queries, with pauses
between them (a page's rendering time), so an import swapped in meanwhile would show as a mixed run."""

import time

import streamlit as st

from queries import dashboard
from queries.common import Filters
from ui import data

ctx = data.context("")
st.sidebar.text(f"context {ctx.months[-1]}")
time.sleep(0.02)
months = data.q(dashboard.data_months)
st.text(f"data_months {str(months['last_month'].max())[:7]}")
time.sleep(0.02)
for first, last in (("2023-01", "2024-12"), ("2024-01", "2024-12")):
    paid = data.q(dashboard.subsidy_by_month, Filters(scope=""), first, last)
    st.text(f"subsidy {paid['pay_month'].max().strftime('%Y-%m')}")
    time.sleep(0.02)
