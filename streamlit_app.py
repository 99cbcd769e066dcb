"""The sovmap dashboard: the router and nothing more."""

import streamlit as st

from dashboards.access import gate

st.set_page_config(page_title="sovmap", page_icon="🗺️", layout="wide")
# Tables' own CSV download and copy write cells as they are, and a resource name beginning
# with "=" would run as a formula in a spreadsheet: the Exports page writes neutralised files.
st.set_option("client.disableDataExport", True)
gate()
pages = {
    "": [st.Page("dashboards/pages/overview.py", title="Overview", icon=":material/dashboard:", default=True)],
    "Explore": [
        st.Page("dashboards/pages/graph.py", title="Dependency graph", icon=":material/hub:", url_path="graph"),
        st.Page("dashboards/pages/jurisdictions.py", title="Jurisdictions", icon=":material/public:", url_path="jurisdictions"),
        st.Page("dashboards/pages/concentration.py", title="Concentration", icon=":material/donut_large:", url_path="concentration"),
        st.Page("dashboards/pages/migration.py", title="Migration and exit", icon=":material/logout:", url_path="migration"),
        st.Page("dashboards/pages/scenarios.py", title="Scenarios", icon=":material/bolt:", url_path="scenarios"),
    ],
    "Act": [
        st.Page("dashboards/pages/register.py", title="Risk register", icon=":material/edit_note:", url_path="register"),
        st.Page("dashboards/pages/exports.py", title="Exports", icon=":material/download:", url_path="exports"),
    ],
}
st.navigation(pages).run()
