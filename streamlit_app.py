"""The sovmap dashboard: the router and nothing more."""

import streamlit as st

st.set_page_config(page_title="sovmap", page_icon="🗺️", layout="wide")
navigation = st.navigation([st.Page("dashboards/pages/overview.py", title="Overview", icon="🧭", default=True)])
navigation.run()
