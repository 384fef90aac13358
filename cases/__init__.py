"""The case store of 预警核查 (no streamlit, no ui/): see cases/store.py."""
