"""The sovmap dashboard: the router and nothing more."""

import streamlit as st

st.set_page_config(page_title="sovmap", page_icon="🗺️", layout="wide")
pages = {
    "": [st.Page("dashboards/pages/overview.py", title="Overview", icon="🧭", default=True)],
    "Explore": [
        st.Page("dashboards/pages/graph.py", title="Dependency graph", icon="🕸️", url_path="graph"),
        st.Page("dashboards/pages/jurisdictions.py", title="Jurisdictions", icon="🌍", url_path="jurisdictions"),
        st.Page("dashboards/pages/concentration.py", title="Concentration", icon="🎯", url_path="concentration"),
        st.Page("dashboards/pages/migration.py", title="Migration and exit", icon="🚪", url_path="migration"),
        st.Page("dashboards/pages/scenarios.py", title="Scenarios", icon="⚡", url_path="scenarios"),
    ],
    "Act": [
        st.Page("dashboards/pages/register.py", title="Risk register", icon="📝", url_path="register"),
        st.Page("dashboards/pages/exports.py", title="Exports", icon="⬇️", url_path="exports"),
    ],
}
st.navigation(pages).run()
