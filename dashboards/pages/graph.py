"""Dependency graph explorer: a system, provider or jurisdiction, its blast radius, its details."""

import pandas as pd
import streamlit as st

from dashboards import data, figures, state

st.title("Dependency graph")
snapshot_id = state.pick_snapshot()
if snapshot_id is not None:
    sg = state.graph(snapshot_id)
    idx = state.index(snapshot_id)
    if sg.missing_overrides:
        st.warning("These catalog override files of the scan no longer exist, so the graph uses the bundled catalog "
                   "for what they said: " + ", ".join(f"`{p}`" for p in sg.missing_overrides))

    kinds = {"estate": "the whole estate", "system": "a system", "provider": "a provider", "jurisdiction": "a jurisdiction"}
    choices = {
        "system": sorted(idx.systems, key=lambda s: idx.systems[s]["name"].lower()),
        "provider": sorted(idx.provider_countries),
        "jurisdiction": sorted({c for places in idx.provider_countries.values() for c in places}),
    }
    left, right, third = st.columns([1, 2, 1])
    kind = state.select_param("Explore", list(kinds), "kind", "estate", container=left, format_func=kinds.get)
    focus = None
    components = False
    if kind != "estate":
        names = {s: f"{a['name']} ({s})" for s, a in idx.systems.items()}
        key = state.select_param(kinds[kind].split(" ", 1)[1].capitalize(), choices[kind], "key", container=right,
                                 format_func=lambda k: names.get(k, k) if kind == "system" else k)
        focus = (kind, key) if key is not None else None
        if kind == "system":
            components = third.toggle("Show its components", value=state.param("components") == "1", key="qp_components")
            state.set_param("components", "1" if components else None)

    view = data.build_graph_view(idx, focus, components=components)
    title = None
    if focus is not None:
        hit = [s for s in view.hit if s != focus[1] or focus[0] != "system"]
        title = f"{len(hit)} system(s) in the blast radius of {focus[0]} {focus[1]}"
    event = st.plotly_chart(
        figures.network(view, title=title), key=f"graph-{kind}-{focus}-{components}",
        on_select="rerun", selection_mode="points",
    )
    if view.hidden:
        st.caption("Left out to keep the graph readable: " + ", ".join(f"{n} more {t}" for t, n in view.hidden.items())
                   + ". Choose a system, provider or jurisdiction to see its part in full.")
    st.caption("Click a system, provider or jurisdiction to open it. Red: the blast radius, the systems hit when "
               "the chosen one is lost (directly, or through what depends on it).")

    points = event.selection.points if event is not None and event.selection else []
    clicked = next((p.get("customdata") for p in points if isinstance(p.get("customdata"), str)), None)
    if clicked and ":" in clicked:
        ckind, ckey = clicked.split(":", 1)
        if ckind in ("system", "provider", "jurisdiction") and (ckind, ckey) != focus:
            st.query_params["kind"] = ckind
            st.query_params["key"] = ckey
            for k in ("qp_kind", "qp_key"):
                st.session_state.pop(k, None)
            st.rerun()

    if focus is not None:
        details = data.node_details(sg, idx, *focus, exposure=state.exposure_scores(snapshot_id))
        st.subheader(f"{focus[0].capitalize()} {details['facts'].get('name') or focus[1]}")
        facts, radius = st.columns([1, 1])
        with facts:
            st.dataframe(pd.DataFrame([{"fact": k, "value": "-" if v is None else str(v)} for k, v in details["facts"].items()]),
                         hide_index=True, width="stretch")
            if details.get("ownership"):
                st.markdown("**Ownership chain** (the contracting entity up to its ultimate parent)")
                st.dataframe(pd.DataFrame(details["ownership"]), hide_index=True, width="stretch")
            if details.get("laws"):
                st.markdown("**Laws of this jurisdiction in the catalog**")
                st.dataframe(pd.DataFrame(details["laws"]), hide_index=True, width="stretch")
            if details.get("exposure"):
                e = details["exposure"]
                st.markdown(f"**Exposure**: confidentiality {e['confidentiality']['score']:.0f} ({e['confidentiality']['level']}), "
                            f"availability {e['availability']['score']:.0f} ({e['availability']['level']})")
                if e["jurisdictions"]:
                    st.dataframe(pd.DataFrame([{"jurisdiction": j["code"], "laws": ", ".join(j["laws"]),
                                                "via": ", ".join(v["kind"] for v in j["via"])} for j in e["jurisdictions"]]),
                                 hide_index=True, width="stretch")
        with radius:
            st.markdown(f"**Blast radius**: {len(details['blast_radius'])} system(s)")
            rows = [{"system": s, "name": idx.systems[s]["name"], "criticality": idx.systems[s]["criticality"],
                     "steps away": view.hit.get(s)} for s in details["blast_radius"]]
            st.dataframe(pd.DataFrame(rows, columns=["system", "name", "criticality", "steps away"]),
                         hide_index=True, width="stretch", height=min(600, 38 + 35 * max(1, len(rows))))
        if focus[0] == "system":
            found = state.findings(snapshot_id)
            mine = found[found["system"] == focus[1]]
            st.markdown(f"**Findings of this system** ({len(mine)})")
            st.dataframe(mine.drop(columns=["system", "criticality"]), hide_index=True, width="stretch", column_config={"id": None})
        elif focus[0] == "provider":
            st.page_link("dashboards/pages/scenarios.py", label="Simulate the loss of this provider", icon=":material/bolt:",
                         query_params={"snapshot": str(snapshot_id), "target": focus[1]})
            st.page_link("dashboards/pages/migration.py", label="Exit feasibility and exit time of its systems", icon=":material/logout:",
                         query_params={"snapshot": str(snapshot_id), "provider": focus[1]})
