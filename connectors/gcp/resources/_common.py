"""What the Google Cloud family normalizers share: locations, keys, the index of the estate. All pure."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Index", "Row", "key_component", "region_of"]

Row = dict[str, Any]

_ZONE = re.compile(r"^([a-z]+-[a-z]+\d+)-[a-z]$")
_KEY = re.compile(r"^(projects/[^/]+/locations/[^/]+/keyRings/[^/]+/cryptoKeys/[^/]+)")


def region_of(location: str | None) -> str | None:
    """The catalog region of a Cloud Asset location: a zone gives its region, ``global`` none.

    Multi-regions (``EU``, ``US``) and dual-regions (``EUR4``) are kept, lower-cased: the
    catalog resolves them or the scan reports them UNKNOWN, never a guessed country.

    >>> region_of("europe-west4-a"), region_of("europe-west4"), region_of("EU"), region_of("global")
    ('europe-west4', 'europe-west4', 'eu', None)
    """
    if not location:
        return None
    code = location.strip().lower()
    if code == "global":
        return None
    zone = _ZONE.match(code)
    return zone.group(1) if zone else code


def key_component(key: str | None) -> str | None:
    """The component id of the Cloud KMS key a resource names (a key version names its key).

    >>> key_component("projects/p/locations/europe-west4/keyRings/r/cryptoKeys/k/cryptoKeyVersions/3")
    '//cloudkms.googleapis.com/projects/p/locations/europe-west4/keyRings/r/cryptoKeys/k'
    """
    found = _KEY.match(key or "")
    return f"//cloudkms.googleapis.com/{found.group(1)}" if found else None


@dataclass
class Index:
    """What a normalizer may look up about the rest of the estate."""

    ids: set[str] = field(default_factory=set)
    key_protection: dict[str, str] = field(default_factory=dict)  # CryptoKey id -> protection level

    def known(self, ref: Any) -> str | None:
        return ref if isinstance(ref, str) and ref in self.ids else None
