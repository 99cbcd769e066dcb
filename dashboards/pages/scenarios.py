"""Scenarios: lose a provider or region, sanctions, compelled access, a change of control; the systems hit."""

import pandas as pd
import streamlit as st

from analyzer.scenarios import REGION_OUTAGE_HOURS, SCENARIOS
from dashboards import data, figures, state
from sovmap.errors import InputError

st.title("Scenarios")
snapshot_id = state.pick_snapshot()
if snapshot_id is not None:
    sg = state.graph(snapshot_id)
    idx = state.index(snapshot_id)
    G = sg.graph
    kinds = {s["kind"]: s for s in SCENARIOS}
    providers = sorted(a["key"] for _, a in G.nodes(data=True) if a.get("kind") == "provider")
    regions = sorted(a["key"].replace("/", ":", 1) for _, a in G.nodes(data=True) if a.get("kind") == "region")
    sites = sorted(f"site:{a['key']}" for _, a in G.nodes(data=True) if a.get("kind") == "site")
    countries = sorted({c for places in idx.provider_countries.values() for c in places}
                       | {j["code"] for e in state.exposure_scores(snapshot_id).values() for j in e["jurisdictions"]})
    targets = {"provider-loss": providers, "region-loss": regions + sites, "sanctions": countries,
               "compelled-access": countries, "change-of-control": providers}

    left, right = st.columns([1, 2])
    kind = state.select_param("Scenario", list(kinds), "scenario", "provider-loss", container=left)
    right.markdown(f"&nbsp;  \n{kinds[kind]['summary']}")
    a, b, c = st.columns(3)
    shares = state.cached("concentration_levels", snapshot_id).get("provider", {}).get("shares") or []
    largest = next((s["key"] for s in shares if s["key"] in providers), None)
    default = {"sanctions": "US", "compelled-access": "US", "provider-loss": largest, "change-of-control": largest}.get(kind)
    target = state.select_param("Target", targets.get(kind) or [], "target", default, container=a)
    to = hours = None
    if kind == "change-of-control":
        all_countries = sorted(sg.catalog.countries)
        to = state.select_param("Acquirer's country", all_countries, "to", "US", container=b)
    if kind == "region-loss":
        hours = b.number_input("Outage (hours)", min_value=0.5, value=float(state.param("hours") or REGION_OUTAGE_HOURS),
                               step=0.5, key="qp_hours")
        state.set_param("hours", hours, REGION_OUTAGE_HOURS)

    if target is None:
        st.info("Nothing in this snapshot to run this scenario on.")
    else:
        try:
            result = state.scenario(snapshot_id, kind, target, to=to, hours=hours)
        except InputError as exc:
            st.error(str(exc))
            result = None
        if result is not None:
            hit = result["systems_hit"]
            m1, m2, m3, m4 = st.columns(4)
            m1.metric("Systems hit", len(hit))
            m2.metric("Critical systems hit", sum(1 for h in hit if h["criticality"] == "critical"))
            m3.metric("RTO breaches", result["rto_breaches"])
            m4.metric("Components hit", result.get("components_hit", 0))
            if result.get("assumption"):
                st.caption(f"Assumption: {result['assumption']}")
            if result["exposed_data_classes"]:
                st.markdown("**Data classes exposed**: " + ", ".join(result["exposed_data_classes"]))
            for note in result.get("notes") or []:
                st.info(note)
            if hit:
                exit_days = state.cached("migration_frame", snapshot_id).set_index("system")["exit days"].to_dict()
                st.plotly_chart(figures.scenario_bars(result, exit_days=exit_days), key="scenario_bars")
                table = pd.DataFrame([{
                    "system": h["system"], "name": h["name"], "criticality": h["criticality"], "RTO hours": h["rto_hours"],
                    "outage hours": h["outage_hours"], "RTO breached": h["rto_breach"],
                    "down until rebuilt (days)": data.rebuild_days(h, exit_days) if h["outage_hours"] is None else None,
                    "own exit (days)": exit_days.get(h["system"]), "data classes": ", ".join(h["data_classes"]),
                    "path": " → ".join(n.split(":", 1)[1] for n in h["path"]),
                } for h in hit])
                table = table.dropna(axis="columns", how="all")
                st.dataframe(table, hide_index=True, width="stretch",
                             column_config={"RTO breached": st.column_config.CheckboxColumn("RTO breached")})
                if kind in ("provider-loss", "change-of-control") and "own exit (days)" in table:
                    worst = table.sort_values("own exit (days)", ascending=False).iloc[0]
                    st.markdown(f"**Exit**: moving every system off {target} takes up to **{worst['own exit (days)']:,.0f} days** "
                                f"(the longest, {worst['name']}; systems can move side by side). Migration shows the steps.")
                    st.page_link("dashboards/pages/migration.py", label="Exit time of the systems on this provider", icon=":material/logout:",
                                 query_params={"snapshot": str(snapshot_id), "provider": target, "system": worst["system"]})
            if result.get("systems_protected"):
                with st.expander(f"Protected ({len(result['systems_protected'])}): reached, but only data under customer-held keys"):
                    st.dataframe(pd.DataFrame(result["systems_protected"]), hide_index=True, width="stretch")
