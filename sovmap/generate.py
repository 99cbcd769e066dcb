"""Synthetic estates for benchmarks and demos, in the declared inventory format.

The distributions follow what large European public organisations run: most components
at the two or three big US-parented clouds, a tail of EU providers, own data centres,
SaaS; criticality skewed to medium and low; components depend on a few others in their
system and on one of a handful of shared identity tenants; systems depend on a few
other systems; a managed service provider and an offshore desk operate slices of the
estate; a register covers part of the risks, some of it expired.

Everything is drawn from a seeded generator, so the same arguments give the same files.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

import yaml

__all__ = ["EstateShape", "generate_estate", "write_estate"]

# provider -> (weight, [(service, weight, holds_data)], [(region, weight)])
PROVIDERS: dict[str, tuple[float, list[tuple[str, float, bool]], list[tuple[str, float]]]] = {
    "aws": (0.34, [("ec2", 4, False), ("ebs", 2, True), ("s3", 3, True), ("rds", 1, True), ("dynamodb", 1, True),
                   ("lambda", 2, False), ("sqs", 1, True), ("kms", 1, False), ("eks", 0.5, False), ("kinesis", 0.5, True)],
            [("eu-west-1", 5), ("eu-central-1", 4), ("eu-west-3", 1), ("eu-north-1", 1), ("us-east-1", 1)]),
    "azure": (0.30, [("virtual-machines", 4, False), ("managed-disks", 2, True), ("blob-storage", 3, True),
                     ("sql-database", 1, True), ("cosmos-db", 0.5, True), ("functions", 1, False), ("key-vault", 1, False),
                     ("aks", 0.5, False), ("app-service", 1, False)],
              [("westeurope", 5), ("northeurope", 3), ("germanywestcentral", 1), ("swedencentral", 1), ("eastus", 0.5)]),
    "gcp": (0.04, [("compute-engine", 3, False), ("cloud-storage", 2, True), ("bigquery", 1, True)],
            [("europe-west1", 2), ("europe-west4", 2), ("us-central1", 0.5)]),
    "ovhcloud": (0.04, [("public-cloud-instances", 3, False), ("object-storage", 2, True), ("managed-postgresql", 1, True)],
                 [("gra", 2), ("sbg", 1), ("rbx", 1), ("bhs", 0.2)]),
    "scaleway": (0.03, [("instances", 3, False), ("object-storage", 2, True)], [("fr-par", 3), ("nl-ams", 2)]),
    "hetzner": (0.03, [("cloud-servers", 3, False), ("volumes", 1, True)], [("fsn1", 2), ("nbg1", 2), ("hel1", 1)]),
    "stackit": (0.03, [("compute", 3, False), ("object-storage", 1, True), ("postgresql-flex", 1, True)], [("eu01", 1)]),
    "ionos": (0.02, [("compute", 3, False), ("s3-object-storage", 1, True)], [("de/fra", 2), ("de/txl", 1)]),
}
SITES = [("dc-north", "Data centre North", "NL"), ("dc-south", "Data centre South", "NL"), ("dc-dr", "Recovery site", "BE")]
SITE_SHARE = 0.15
SAAS_SHARE = 0.02
CRITICALITY = [("critical", 0.1), ("high", 0.2), ("medium", 0.4), ("low", 0.3)]
CLASSIFICATION = [("public", 0.1), ("internal", 0.45), ("confidential", 0.4), ("secret", 0.05)]
RISKS = ["foreign-law-access", "foreign-suspension", "operator-access", "data-outside-eu"]


@dataclass(frozen=True)
class EstateShape:
    components: int = 10_000
    systems: int = 500
    identity_tenants: int = 3
    seed: int = 0


def _pick(rng: random.Random, items):
    values = [i[0] for i in items]
    weights = [i[1] for i in items]
    return rng.choices(values, weights=weights, k=1)[0]


def generate_estate(shape: EstateShape) -> dict:
    """The declared inventory of a synthetic estate, as a plain dict (``version: 1``)."""
    if shape.components < shape.systems + shape.identity_tenants:
        raise ValueError("need at least one component per system plus the identity tenants")
    rng = random.Random(shape.seed)
    systems = []
    for i in range(shape.systems):
        crit = _pick(rng, CRITICALITY)
        systems.append({
            "id": f"sys-{i:05d}", "name": f"System {i:05d}", "criticality": crit,
            "classification": _pick(rng, CLASSIFICATION), "personal_data": rng.random() < 0.4,
            "owner": f"Directorate {i % 12 + 1}", "rto_hours": rng.choice([2, 4, 8, 24, 72]),
            "exit_plan": rng.random() < 0.2,
        })
    for i, s in enumerate(systems):
        if i and rng.random() < 0.5:
            s["depends_on"] = sorted({systems[rng.randrange(i)]["id"] for _ in range(rng.randint(1, 2))})
    systems.append({"id": "shared-identity", "name": "Shared identity", "criticality": "critical",
                    "classification": "confidential", "personal_data": True, "rto_hours": 2})
    components = []
    identity = []
    for t in range(shape.identity_tenants):
        cid = f"idp-{t}"
        identity.append(cid)
        components.append({"id": cid, "name": f"Identity tenant {t}", "system": "shared-identity",
                           "provider": "azure", "service": "entra-id", "holds_data": True})
    # Sizes per system: a long tail (lognormal), normalised to the requested total.
    n = shape.components - len(components)
    raw = [rng.lognormvariate(0, 1) for _ in range(shape.systems)]
    total = sum(raw)
    sizes = [max(1, int(r / total * n)) for r in raw]
    sizes[-1] += n - sum(sizes)
    while sizes[-1] < 1:  # rounding took too much from the last one
        j = max(range(len(sizes)), key=sizes.__getitem__)
        sizes[j] -= 1
        sizes[-1] += 1
    counter = 0
    provider_items = [(p, spec[0]) for p, spec in PROVIDERS.items()]
    for s, size in zip(systems, sizes):
        first = None
        for k in range(size):
            cid = f"c-{counter:07d}"
            counter += 1
            comp: dict = {"id": cid, "system": s["id"]}
            roll = rng.random()
            if roll < SITE_SHARE:
                site = rng.choice(SITES)[0]
                comp.update(site=site, holds_data=rng.random() < 0.3)
            elif roll < SITE_SHARE + SAAS_SHARE:
                comp.update(provider="microsoft-365", service=rng.choice(["exchange-online", "sharepoint-online", "teams"]),
                            region="eu", holds_data=True)
            else:
                provider = _pick(rng, provider_items)
                _, services, regions = PROVIDERS[provider]
                service = _pick(rng, [(sv, w) for sv, w, _ in services])
                holds = next(h for sv, _, h in services if sv == service)
                comp.update(provider=provider, service=service, region=_pick(rng, regions), holds_data=holds)
            if comp.get("holds_data"):
                comp["data_volume_gb"] = round(rng.lognormvariate(4, 2), 1)
            deps = []
            if first is None:
                first = cid
                deps.append(rng.choice(identity))
            elif k > 0:
                # one of the (up to five) components made just before this one, in the same system
                deps.append(f"c-{counter - 2 - rng.randrange(min(k, 5)):07d}")
                if rng.random() < 0.3:
                    deps.append(first)
            if deps:
                comp["depends_on"] = sorted(set(deps))
            components.append(comp)
    operators = [
        {"id": "msp", "name": "Example Managed Services B.V.", "country": "NL", "access": "admin",
         "operates": [c["id"] for c in components if c.get("site") and rng.random() < 0.5]},
        {"id": "offshore-desk", "name": "Offshore service desk", "country": "IN", "access": "support",
         "operates": [c["id"] for c in components if c.get("provider") == "microsoft-365"][: max(1, shape.components // 1000)]},
    ]
    register = []
    for i, s in enumerate(systems[: shape.systems]):
        if rng.random() < 0.15:
            register.append({
                "id": f"RA-{i:05d}", "risk": rng.choice(RISKS), "scope": {"system": s["id"], "jurisdiction": "US"},
                "owner": "CISO", "rationale": "accepted pending the exit programme",
                "decided_on": "2025-01-15", "review_by": rng.choice(["2026-01-15", "2027-06-30"]),
            })
    return {
        "version": 1,
        "organization": {"name": "Synthetic Agency", "country": "NL", "home_bloc": "EU"},
        "sites": [{"id": i, "name": n, "country": c} for i, n, c in SITES],
        "systems": systems,
        "components": components,
        "operators": operators,
        "risk_register": register,
    }


def write_estate(shape: EstateShape, out: Path) -> dict[str, int]:
    """Write ``inventory.yaml`` and ``sovmap.yaml`` into ``out``; return the counts."""
    out.mkdir(parents=True, exist_ok=True)
    estate = generate_estate(shape)
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    with open(out / "inventory.yaml", "w", encoding="utf-8") as fh:
        yaml.dump(estate, fh, Dumper=dumper, sort_keys=False, default_flow_style=None, width=200)
    (out / "sovmap.yaml").write_text(
        "version: 1\nsources:\n  - type: declared\n    path: inventory.yaml\n    max_bytes: 2147483648\n", encoding="utf-8"
    )
    return {k: len(estate[k]) for k in ("systems", "components", "operators", "risk_register")}
