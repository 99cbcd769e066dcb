"""Migration: exit feasibility against criticality, exit time and its steps, alternatives."""

import streamlit as st

from dashboards import data, figures, state

st.title("Migration and exit")
snapshot_id = state.pick_snapshot()
if snapshot_id is not None:
    frame = state.cached("migration_frame", snapshot_id)
    crits = state.multiselect_param("Criticality", list(data.CRITICALITIES), "crit")
    provider = state.param("provider")
    shown = frame[frame["criticality"].isin(crits)]
    if provider:
        on_it = {s for s, provs in state.index(snapshot_id).system_providers.items() if provider in provs}
        shown = shown[shown["system"].isin(on_it)]
        st.info(f"Systems with components on **{provider}** ({len(shown)}).")
        if st.button("Show every system"):
            state.set_param("provider", None)
            st.rerun()
    st.plotly_chart(figures.feasibility_scatter(shown), key="feasibility_scatter")
    has_exit = shown["exit days"].notna().any()
    if not has_exit:
        st.caption("Exit times (days, with their steps) appear after a scan by a sovmap that computes them; "
                   "the feasibility score and its factors are shown meanwhile.")
    st.dataframe(
        shown, hide_index=True, width="stretch",
        column_config={
            "feasibility": st.column_config.ProgressColumn("feasibility", min_value=0, max_value=100, format="%.0f"),
            "exit days": st.column_config.NumberColumn("exit days", format="%.0f"),
            "data GB": st.column_config.NumberColumn("data GB", format="%.0f"),
            "egress USD": st.column_config.NumberColumn("egress USD", format="$%.0f"),
        },
    )
    st.subheader("One system's exit")
    names = dict(zip(frame["system"], frame["name"]))
    system = state.select_param("System", list(shown["system"]) or list(frame["system"]), "system",
                                format_func=lambda s: f"{names.get(s, s)} ({s})")
    if system is not None:
        steps = state.cached("exit_breakdown_frame", snapshot_id, system)
        feas = state.store().scores(snapshot_id, "feasibility", system).get(system, {})
        left, right = st.columns([3, 2])
        with left:
            if steps.empty:
                st.info("No exit time for this system in this snapshot.")
            else:
                st.plotly_chart(figures.exit_breakdown(steps, title=f"Exit of {names.get(system, system)}: "
                                                       f"{steps['days'].sum():,.0f} days"), key="exit_breakdown")
        with right:
            st.markdown(f"**Feasibility {feas.get('score', 0):.0f}/100 ({feas.get('band', '-')})**, from these factors:")
            st.dataframe(feas.get("factors", []), hide_index=True, width="stretch")
        alternatives = state.cached("exit_alternatives_frame", snapshot_id, system)
        if not alternatives.empty:
            st.markdown("**EU alternatives the catalog names for its services**")
            st.dataframe(alternatives, hide_index=True, width="stretch")
