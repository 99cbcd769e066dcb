"""Who may see and change what in the dashboard.

Without a login configured the dashboard is a local tool: ``sovmap dashboard`` serves it on
127.0.0.1 only, and says so. With Streamlit's OIDC login configured (an ``[auth]`` section
in ``.streamlit/secrets.toml``), everyone must sign in; signed-in users are viewers, and
those named as risk owners (``[sovmap] risk_owners = [...]`` in the same file, or the
``SOVMAP_RISK_OWNERS`` environment variable, comma-separated e-mail addresses) may also
record risk acceptances. Every register change records who and when.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import streamlit as st

LOCAL, VIEWER, RISK_OWNER = "local", "viewer", "risk-owner"

__all__ = ["LOCAL", "RISK_OWNER", "VIEWER", "auth_in_secret_files", "current_user", "gate", "role", "role_for"]


def role_for(user: str | None, *, auth: bool, owners: set[str]) -> str:
    """The role of a user.

    >>> role_for(None, auth=False, owners=set())
    'local'
    >>> role_for("a@x.eu", auth=True, owners={"a@x.eu"}), role_for("b@x.eu", auth=True, owners={"a@x.eu"})
    ('risk-owner', 'viewer')
    """
    if not auth:
        return LOCAL
    return RISK_OWNER if user is not None and user.casefold() in {o.casefold() for o in owners} else VIEWER


def auth_in_secret_files(cwd: Path | None = None) -> bool:
    """Whether an ``[auth]`` section exists in the secrets files Streamlit reads.

    Used before Streamlit starts (``sovmap dashboard``), to refuse serving beyond
    this machine without a login.
    """
    for path in ((cwd or Path.cwd()) / ".streamlit" / "secrets.toml", Path.home() / ".streamlit" / "secrets.toml"):
        try:
            if "auth" in tomllib.loads(path.read_text(encoding="utf-8")):
                return True
        except (OSError, tomllib.TOMLDecodeError):
            continue
    return False


def _auth_configured() -> bool:
    try:
        return "auth" in st.secrets
    except (FileNotFoundError, st.errors.StreamlitSecretNotFoundError):
        return False


def _owners() -> set[str]:
    owners = {o.strip() for o in os.environ.get("SOVMAP_RISK_OWNERS", "").split(",") if o.strip()}
    try:
        owners |= set(st.secrets.get("sovmap", {}).get("risk_owners", []))
    except (FileNotFoundError, st.errors.StreamlitSecretNotFoundError):
        pass
    return owners


def _logged_in() -> bool:
    # st.user carries "is_logged_in" only once an identity provider is configured.
    try:
        return bool(st.user.get("is_logged_in", False))
    except (AttributeError, KeyError):
        return False


def current_user() -> str | None:
    if not _logged_in():
        return None
    return st.user.get("email") or st.user.get("name") or st.user.get("sub")


def role() -> str:
    return role_for(current_user(), auth=_auth_configured(), owners=_owners())


def gate() -> None:
    """Stop the page for anyone not signed in when a login is configured; show who is who."""
    if not _auth_configured():
        st.sidebar.caption("Local mode: no login is configured, so the dashboard serves this machine only (127.0.0.1).")
        return
    if not _logged_in():
        st.title("sovmap")
        st.write("This dashboard holds a map of the organisation's most sensitive dependencies. Sign in to continue.")
        st.button("Sign in", on_click=st.login, type="primary")
        st.stop()
    current = role()
    st.sidebar.caption(f"Signed in as {current_user()} ({current}).")
    st.sidebar.button("Sign out", on_click=st.logout)
