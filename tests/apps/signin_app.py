"""A tiny app for AppTest: the sign-in gate, then the signed-in user's name and role."""

import streamlit as st

from ui.auth import require_user, sign_out_button

user = require_user()
sign_out_button()
st.write(f"signed in: {user.name} {user.role}")
