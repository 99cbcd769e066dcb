"""Concentration: the HHI per level against its bands, the largest shares, single points of failure."""

import streamlit as st

from dashboards import figures, state

st.title("Concentration")
snapshot_id = state.pick_snapshot()
if snapshot_id is not None:
    levels = state.cached("concentration_levels", snapshot_id)
    st.plotly_chart(figures.hhi_bands(levels), key="hhi_bands")
    st.caption("Herfindahl-Hirschman index of weighted dependence (critical systems count 4, high 3, medium 2, low 1): "
               "below 1,000 low, 1,000 to 1,800 moderate, above 1,800 high.")
    if levels:
        level = state.select_param("Shares by", list(levels), "level", "provider", horizontal=True, widget="radio")
        shares = state.cached("concentration_frame", snapshot_id, level)
        chart, table = st.columns([3, 2])
        chart.plotly_chart(figures.share_bars(shares, title=f"Largest shares by {level}"), key="share_bars")
        table.dataframe(shares.drop(columns=["system list"]), hide_index=True, width="stretch",
                        column_config={"share": st.column_config.ProgressColumn("share", format="percent", min_value=0, max_value=1)})
        unknown = levels[level].get("unknown_systems") or []
        if unknown:
            st.warning(f"{len(unknown)} system(s) also rest on something the catalog does not know; that part is not counted: "
                       + ", ".join(unknown[:20]) + (" …" if len(unknown) > 20 else ""))
        with st.expander("Which systems depend on each"):
            st.dataframe(shares[["key", "systems", "system list"]], hide_index=True, width="stretch")

    st.subheader("Single points of failure")
    spof = state.cached("spof_frame", snapshot_id)
    if spof.empty:
        st.success("No shared component cuts two or more critical or high systems off.")
    else:
        st.dataframe(spof, hide_index=True, width="stretch",
                     column_config={"systems": st.column_config.NumberColumn("systems cut off")})
        st.page_link("dashboards/pages/graph.py", label="See a component's systems in the dependency graph", icon=":material/hub:")
