"""Risk register: findings stated, expired and implicit; accept a risk, written to the register with who and when."""

import re
from datetime import date, timedelta

import streamlit as st

from dashboards import access, data, state
from inventory.register import register_path, save_acceptance
from sovmap.errors import InputError, InputErrors, StoreError

st.title("Risk register")
snapshot_id = state.pick_snapshot()
if snapshot_id is not None:
    found = state.findings(snapshot_id)
    f1, f2, f3, f4 = st.columns(4)
    statuses = state.multiselect_param("Status", list(data.STATUS_ORDER), "status", ["implicit", "expired"], container=f1)
    crits = state.multiselect_param("Criticality of the system", list(data.CRITICALITIES), "crit", container=f2)
    jurisdictions = sorted(j for j in found["jurisdiction"].dropna().unique())
    juris = state.multiselect_param("Jurisdiction", jurisdictions, "juris", [], container=f3,
                                    placeholder="any")
    types = sorted(found["type"].unique())
    chosen_types = state.multiselect_param("Type", types, "type", [], container=f4, placeholder="any")
    shown = found[found["status"].isin(statuses)]
    if len(crits) < len(data.CRITICALITIES):
        shown = shown[shown["criticality"].isin(crits)]
    if juris:
        shown = shown[shown["jurisdiction"].isin(juris)]
    if chosen_types:
        shown = shown[shown["type"].isin(chosen_types)]
    counts = shown["status"].value_counts()
    st.caption(" · ".join(f"{counts.get(s, 0)} {s}" for s in data.STATUS_ORDER) + f" of {len(found)} findings.")
    event = st.dataframe(shown, hide_index=True, width="stretch", column_config={"id": None},
                         on_select="rerun", selection_mode="single-row", key="register_findings")
    rows = event.selection.rows if event is not None else []

    st.subheader("Accept a risk")
    if not rows:
        st.caption("Select an implicit or expired finding above to state and accept it.")
    else:
        finding = state.finding(snapshot_id, shown.iloc[rows[0]]["id"])
        if finding["status"] == "stated":
            st.info(f"This finding is already covered by {finding['acceptance_id']}, which is current.")
        else:
            try:
                target = register_path(state.store(), snapshot_id)
            except (InputError, StoreError) as exc:
                st.error(f"Acceptances cannot be recorded for this snapshot: {exc}")
                target = None
            if target is not None and access.role() == access.VIEWER:
                st.info("Only risk owners may record acceptances; you are signed in as a viewer. "
                        "Ask an administrator to add you to the risk owners.")
                target = None
            if target is not None:
                taken = set(state.cached("acceptances_frame", snapshot_id)["id"]) | set(state.pending(snapshot_id)["id"])
                year = date.today().year
                numbers = [int(m.group(1)) for i in taken if (m := re.fullmatch(rf"RA-{year}-(\d+)", str(i)))]
                suggested = f"RA-{year}-{max(numbers, default=0) + 1:02d}"
                who = state.user_name()
                st.markdown(f"**{finding['title']}**  \nrisk `{finding['type']}`, scope "
                            + ", ".join(f"{k} `{v}`" for k, v in finding["scope"].items()))
                with st.form("accept", clear_on_submit=False):
                    a, b = st.columns(2)
                    acc_id = a.text_input("Register id", value=suggested)
                    owner = b.text_input("Owner (who carries the risk)", placeholder="e.g. CISO")
                    rationale = st.text_area("Rationale (why the risk is accepted, and until what)")
                    c, d = st.columns(2)
                    decided = c.date_input("Decided on", value=date.today())
                    review = d.date_input("Review by", value=date.today() + timedelta(days=365))
                    if who is None:
                        who_typed = st.text_input("Your name (recorded with the entry)")
                    else:
                        st.caption(f"Recorded as {who}.")
                        who_typed = who
                    submitted = st.form_submit_button("Record the acceptance", type="primary")
                if submitted:
                    if not (who_typed or "").strip():
                        st.error("Give your name: every entry records who made it.")
                    else:
                        entry = {"id": acc_id.strip(), "risk": finding["type"], "scope": finding["scope"],
                                 "owner": owner.strip() or None, "rationale": rationale.strip() or None,
                                 "decided_on": decided, "review_by": review}
                        try:
                            saved = save_acceptance(state.store(), snapshot_id, entry, by=who_typed)
                        except (InputError, InputErrors, StoreError) as exc:
                            st.error(str(exc))
                        else:
                            st.success(f"Recorded {saved.id} in `{saved.file}` as {saved.recorded_by}, "
                                       f"{saved.recorded_at:%Y-%m-%d %H:%M} UTC. The finding's status changes at the next scan.")

    st.subheader("Recorded since this snapshot")
    pending = state.pending(snapshot_id)
    if pending.empty:
        st.caption("Nothing recorded from the dashboard since this snapshot was taken.")
    else:
        st.info(f"{len(pending)} acceptance(s) recorded since this snapshot. Findings keep their status until the next "
                "scan reads the register again (`sovmap scan -c sovmap.yaml`).")
        st.dataframe(pending, hide_index=True, width="stretch")

    st.subheader("Register entries in this snapshot")
    entries = state.cached("acceptances_frame", snapshot_id)
    if entries.empty:
        st.caption("The register of this snapshot is empty.")
    else:
        states = entries["state"].value_counts()
        a, b, c = st.columns(3)
        a.metric("Current", int(states.get("current", 0)))
        b.metric("Expired (review date passed)", int(states.get("expired", 0)))
        c.metric("Stale (cover no finding)", int(states.get("stale", 0)))
        st.dataframe(entries, hide_index=True, width="stretch")
