"""Overview: the risks accepted without being stated, sovereignty levels, top exposures, what changed."""

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

    implicit = state.findings(snapshot_id, "implicit")
    foreign = implicit[implicit["type"].isin(["foreign-law-access", "foreign-suspension"])
                       & implicit["criticality"].isin(["critical"])]
    st.subheader("Critical systems under foreign law, with no stated acceptance")
    if foreign.empty:
        st.success("No critical system is reached by foreign law without a current acceptance.")
    else:
        by_system = (foreign.groupby(["system", "jurisdiction"])["type"].apply(lambda t: ", ".join(sorted(set(t))))
                     .reset_index().rename(columns={"type": "exposure"}))
        st.dataframe(by_system, hide_index=True, width="stretch")
        st.page_link("dashboards/pages/register.py", label="Accept or review these in the risk register", icon=":material/edit_note:")

    st.subheader("Sovereignty levels")
    sov = state.cached("sovereignty_frame", snapshot_id)
    if sov.empty:
        st.info("This snapshot has no sovereignty levels (SEAL) yet; they appear after a scan by a sovmap that computes them.")
    else:
        st.plotly_chart(figures.seal_bars(sov), key="seal_bars")

    st.subheader("Top exposures")
    exposure = state.exposure(snapshot_id)
    st.plotly_chart(figures.exposure_bars(exposure, top=15), key="exposure_bars")
    with st.expander("Exposure of every system"):
        st.dataframe(exposure, hide_index=True, width="stretch")

    st.subheader("What changed since the previous snapshot")
    ch = state.changes(snapshot_id)
    if ch["previous_id"] is None:
        st.caption("This is the first snapshot: nothing to compare with.")
    else:
        c1, c2, c3, c4 = st.columns(4)
        c1.metric("New findings", len(ch["new"]))
        c2.metric("Findings gone", len(ch["gone"]))
        c3.metric("Status changed", len(ch["status"]))
        c4.metric("Systems added / removed", f"{len(ch['systems_added'])} / {len(ch['systems_removed'])}")
        for title, frame in (("New", ch["new"]), ("Gone", ch["gone"]), ("Status changed", ch["status"])):
            if not frame.empty:
                with st.expander(f"{title} ({len(frame)}), compared with snapshot #{ch['previous_id']}"):
                    st.dataframe(frame, hide_index=True, width="stretch", column_config={"id": None})

    st.subheader("Implicit risks")
    if implicit.empty:
        st.success("Every finding is covered by a current register entry.")
    else:
        severities = state.multiselect_param("Severity", ["critical", "high", "medium", "low"], "severity")
        shown = implicit[implicit["severity"].isin(severities)]
        event = st.dataframe(shown.drop(columns=["status", "acceptance"]), hide_index=True, width="stretch",
                             column_config={"id": None}, on_select="rerun", selection_mode="single-row", key="implicit_table")
        rows = event.selection.rows if event is not None else []
        if not rows:
            st.caption("Select a row to see its evidence: the paths in the graph and the catalog facts behind them.")
        else:
            row = state.finding(snapshot_id, shown.iloc[rows[0]]["id"])
            if row is not None:
                with st.expander(f"Evidence: {row['title']}", expanded=True):
                    for via in row["evidence"].get("via", []):
                        st.markdown(f"**{via['kind']}**: " + " → ".join(f"`{n}`" for n in via["path"]))
                    facts = row["evidence"].get("catalog")
                    if facts:
                        st.dataframe(facts, hide_index=True, width="stretch")
                    rest = {k: v for k, v in row["evidence"].items() if k not in ("via", "catalog")}
                    if rest:
                        st.json(rest, expanded=False)
