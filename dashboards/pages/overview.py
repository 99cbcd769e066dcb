"""Overview: the risks accepted without being stated, and exposure per system."""

import streamlit as st

from dashboards import figures, state

st.title("Sovereignty overview")
snapshot_id = state.pick_snapshot()
if snapshot_id is not None:
    ov = state.overview(snapshot_id)
    snap = ov["snapshot"]
    st.caption(
        f"Snapshot #{snap['id']} taken {snap['created_at']:%Y-%m-%d %H:%M} UTC, register judged as of {snap['as_of']}, "
        f"{ov['systems']} systems, {ov['components']} components."
    )
    if snap["status"] != "complete":
        st.warning(f"This snapshot is incomplete: {len(ov['coverage_gaps'])} part(s) of the estate could not be read.")

    head, donut = st.columns([2, 1])
    with head:
        st.metric(
            "Risks accepted without being stated", ov["implicit"],
            delta=ov["implicit_delta"], delta_color="inverse",
            help="Findings no current risk-register entry covers: the organisation carries them without having said so.",
        )
        a, b = st.columns(2)
        a.metric("Acceptances expired", ov["expired"], help="Covered by a register entry whose review date has passed.")
        b.metric("Stated and current", ov["stated"])
    with donut:
        st.plotly_chart(figures.status_donut(ov["implicit"], ov["expired"], ov["stated"]), key="status_donut")

    st.subheader("Implicit risks")
    implicit = state.findings(snapshot_id, "implicit")
    if implicit.empty:
        st.success("Every finding is covered by a current register entry.")
    else:
        severities = st.multiselect("Severity", ["critical", "high", "medium", "low"], default=["critical", "high", "medium", "low"])
        shown = implicit[implicit["severity"].isin(severities)]
        st.dataframe(shown.drop(columns=["status", "acceptance"]), hide_index=True, width="stretch",
                     column_config={"id": None})
        choice = st.selectbox("Evidence of", shown["id"].tolist(), format_func=lambda i: shown.set_index("id").loc[i, "finding"])
        row = state.finding(snapshot_id, choice) if choice else None
        if row is not None:
            with st.expander("Evidence: paths in the graph and the catalog facts behind them", expanded=True):
                for via in row["evidence"].get("via", []):
                    st.markdown(f"**{via['kind']}**: " + " → ".join(f"`{n}`" for n in via["path"]))
                facts = row["evidence"].get("catalog")
                if facts:
                    st.dataframe(facts, hide_index=True, width="stretch")
                rest = {k: v for k, v in row["evidence"].items() if k not in ("via", "catalog")}
                if rest:
                    st.json(rest, expanded=False)

    st.subheader("Exposure per system")
    exposure = state.exposure(snapshot_id)
    st.plotly_chart(figures.exposure_bars(exposure), key="exposure_bars")
    st.dataframe(exposure, hide_index=True, width="stretch")
