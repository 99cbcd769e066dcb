"""Jurisdiction map: where data sits and which jurisdictions reach it, by classification and criticality."""

import streamlit as st

from dashboards import data, figures, state
from dashboards.geo import mapped_iso3

st.title("Jurisdictions")
snapshot_id = state.pick_snapshot()
if snapshot_id is not None:
    left, right = st.columns(2)
    classes = state.multiselect_param("Classification", list(data.CLASSIFICATIONS), "class", container=left)
    crits = state.multiselect_param("Criticality", list(data.CRITICALITIES), "crit", container=right)
    geo = state.cached("geo_frame", snapshot_id, classifications=classes, criticalities=crits)
    st.plotly_chart(figures.world_map(geo), key="world_map", config=state.map_config())
    st.caption("Blue: countries where the data of the selected systems is stored. Orange: countries that hold none of "
               "that data but whose law reaches it (through a provider's parent company, a control plane, an operator...).")
    missing = geo[geo["iso3"].isna() | ~geo["iso3"].isin(mapped_iso3())]
    if not missing.empty:
        st.caption("Too small for the map at this scale (listed in the table): " + ", ".join(missing["country"]))
    foreign = geo[geo["foreign"]]
    a, b = st.columns(2)
    a.metric("Foreign jurisdictions reaching the selection", len(foreign))
    b.metric("Foreign countries holding its data", int((foreign["data systems"] > 0).sum()))
    st.dataframe(geo.drop(columns=["iso3"]), hide_index=True, width="stretch",
                 column_config={"foreign": st.column_config.CheckboxColumn("foreign")})
