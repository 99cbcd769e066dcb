"""Generate ``inventory/catalog/regions/aws.yaml`` from the region data botocore ships.

botocore bundles every AWS region of every partition (aws, aws-cn, aws-us-gov, aws-eusc,
the aws-iso* partitions) in ``data/endpoints.json`` and ``data/partitions.json``, each
region with a description such as ``Europe (Frankfurt)``. The description names a city or
a country but not in a form a program can rely on, so the country and city of every
region come from the curated table below. A region botocore knows and the table does not
is an error that names the region: a country is never guessed.

Usage::

    python tools/gen_aws_regions.py            # (re)write the catalog file
    python tools/gen_aws_regions.py --check    # exit 1 when the file on disk is stale

The generated file is deterministic for a given botocore version and table, so ``--check``
(and the test suite) can tell when a botocore upgrade brought a region the catalog lacks.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
OUTPUT = REPO_ROOT / "inventory" / "catalog" / "regions" / "aws.yaml"

#: When the curated table below was last checked against AWS's published region list.
CURATED_AS_OF = date(2026, 11, 22)

#: The region files botocore ships, in the order they are read. endpoints.json is the
#: long-standing source; partitions.json (the endpoint-rules data) sometimes lists a newly
#: announced region before endpoints.json does, so both are read and merged.
BOTOCORE_FILES = ("endpoints", "partitions")


@dataclass(frozen=True, slots=True)
class Location:
    country: str
    city: str | None = None
    note: str | None = None


# region -> where it is. ``city`` is the finest place AWS names (a city, or a US state
# where AWS names only the state); None where AWS names only a country.
LOCATIONS: dict[str, Location] = {
    # partition aws
    "af-south-1": Location("ZA", "Cape Town"),
    "ap-east-1": Location("HK", "Hong Kong"),
    "ap-east-2": Location("TW", "Taipei"),
    "ap-northeast-1": Location("JP", "Tokyo"),
    "ap-northeast-2": Location("KR", "Seoul"),
    "ap-northeast-3": Location("JP", "Osaka"),
    "ap-south-1": Location("IN", "Mumbai"),
    "ap-south-2": Location("IN", "Hyderabad"),
    "ap-southeast-1": Location("SG", "Singapore"),
    "ap-southeast-2": Location("AU", "Sydney"),
    "ap-southeast-3": Location("ID", "Jakarta"),
    "ap-southeast-4": Location("AU", "Melbourne"),
    "ap-southeast-5": Location("MY"),
    "ap-southeast-6": Location("NZ"),
    "ap-southeast-7": Location("TH"),
    "ca-central-1": Location("CA", "Montréal"),
    "ca-west-1": Location("CA", "Calgary"),
    "eu-central-1": Location("DE", "Frankfurt"),
    "eu-central-2": Location("CH", "Zurich"),
    "eu-north-1": Location("SE", "Stockholm"),
    "eu-south-1": Location("IT", "Milan"),
    "eu-south-2": Location("ES", None, "AWS names the region after the country; it is in Aragón"),
    "eu-west-1": Location("IE", "Dublin"),
    "eu-west-2": Location("GB", "London"),
    "eu-west-3": Location("FR", "Paris"),
    "il-central-1": Location("IL", "Tel Aviv"),
    "me-central-1": Location("AE"),
    "me-south-1": Location("BH"),
    "me-west-1": Location("SA"),
    "mx-central-1": Location("MX", "Querétaro"),
    "sa-east-1": Location("BR", "São Paulo"),
    "sa-west-1": Location("CL"),
    "us-east-1": Location("US", "Northern Virginia"),
    "us-east-2": Location("US", "Ohio"),
    "us-west-1": Location("US", "Northern California"),
    "us-west-2": Location("US", "Oregon"),
    # partition aws-cn: run by Chinese companies under licence, separate accounts
    "cn-north-1": Location("CN", "Beijing", "operated by Sinnet under Chinese law"),
    "cn-northwest-1": Location("CN", None, "Ningxia Hui Autonomous Region; operated by NWCD under Chinese law"),
    # partition aws-us-gov
    "us-gov-east-1": Location("US", None, "AWS GovCloud (US); for US government workloads"),
    "us-gov-west-1": Location("US", None, "AWS GovCloud (US); for US government workloads"),
    # partitions aws-iso, aws-iso-b, aws-iso-f: air-gapped US government regions
    "us-iso-east-1": Location("US", None, "air-gapped US government region; location not published"),
    "us-iso-west-1": Location("US", None, "air-gapped US government region; location not published"),
    "us-isob-east-1": Location("US", "Ohio", "air-gapped US government region"),
    "us-isob-west-1": Location("US", None, "air-gapped US government region; location not published"),
    "us-isof-east-1": Location("US", None, "air-gapped US government region; location not published"),
    "us-isof-south-1": Location("US", None, "air-gapped US government region; location not published"),
    # partition aws-iso-e
    "eu-isoe-west-1": Location(
        "GB",
        None,
        "air-gapped region; AWS publishes no location. GB rests on the partition's endpoint domain "
        "(cloud.adc-e.uk, a UK domain); override it if you know better",
    ),
    # partition aws-eusc: the AWS European Sovereign Cloud
    "eusc-de-east-1": Location(
        "DE",
        None,
        "in Brandenburg; run by German GmbHs indirectly owned by Amazon.com, Inc. (a US parent)",
    ),
}

# region -> catalog key of the legal entity that operates it, where it is not the
# provider's contracting entity. These answer "who runs the region" for jurisdiction.
OPERATING_ENTITIES: dict[str, str] = {
    "eusc-de-east-1": "aws-european-sovereign-cloud-gmbh",
    "cn-north-1": "beijing-sinnet-technology",
    "cn-northwest-1": "ningxia-western-cloud-data-technology",
}


class UnmappedRegionError(Exception):
    """botocore knows a region the curated table does not map to a country."""

    def __init__(self, regions: Sequence[tuple[str, str, str]]) -> None:
        self.regions = list(regions)
        listed = ", ".join(f"{code} ({partition}: {description!r})" for partition, code, description in self.regions)
        super().__init__(
            f"no country for AWS region(s) {listed}; add them to LOCATIONS in tools/gen_aws_regions.py "
            "from AWS's published region list"
        )


def botocore_version() -> str:
    import botocore

    return botocore.__version__


def load_botocore_regions(loader: Any = None) -> list[dict[str, str]]:
    """Every real region of every partition botocore knows: partition, code, description, file.

    Pseudo-regions such as ``aws-global`` (endpoints for global services) do not match their
    partition's ``regionRegex`` and are left out.
    """
    if loader is None:
        from botocore.loaders import Loader

        loader = Loader()
    found: dict[str, dict[str, str]] = {}
    for name in BOTOCORE_FILES:
        data = loader.load_data(name)
        for partition in data["partitions"]:
            partition_id = partition.get("partition") or partition["id"]
            pattern = re.compile(partition["regionRegex"])
            for code, meta in partition["regions"].items():
                if not pattern.match(code) or code in found:
                    continue
                found[code] = {
                    "partition": partition_id,
                    "code": code,
                    "description": meta.get("description") or code,
                    "file": f"{name}.json",
                }
    return sorted(found.values(), key=lambda r: (r["partition"], r["code"]))


def build_regions(botocore_regions: Sequence[dict[str, str]], version: str) -> list[dict[str, Any]]:
    """Catalog region entries for the botocore regions; raises UnmappedRegionError."""
    missing = [(r["partition"], r["code"], r["description"]) for r in botocore_regions if r["code"] not in LOCATIONS]
    if missing:
        raise UnmappedRegionError(missing)
    entries = []
    for r in botocore_regions:
        where = LOCATIONS[r["code"]]
        entry: dict[str, Any] = {
            "provider": "aws",
            "code": r["code"],
            "name": r["description"],
            "country": where.country,
        }
        if where.city:
            entry["city"] = where.city
        entry["partition"] = r["partition"]
        if r["code"] in OPERATING_ENTITIES:
            entry["operating_entity"] = OPERATING_ENTITIES[r["code"]]
        if where.note:
            entry["note"] = where.note
        entry["source"] = (
            f"botocore {version} data/{r['file']} (region and description); "
            "country and city from AWS's published region list, curated in tools/gen_aws_regions.py"
        )
        entry["as_of"] = CURATED_AS_OF
        entries.append(entry)
    return entries


class _Dumper(yaml.SafeDumper):
    # Every entry shares one as_of date object; anchors and aliases would only obscure the file.
    def ignore_aliases(self, data: Any) -> bool:
        return True


def render(entries: Sequence[dict[str, Any]], version: str) -> str:
    header = (
        f"# Generated by tools/gen_aws_regions.py from botocore {version}. Do not edit by hand:\n"
        "# change the table in the generator and run it again (--check tells when this file is stale).\n"
    )
    body = yaml.dump({"regions": list(entries)}, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=200)
    return header + body


def generate(loader: Any = None, version: str | None = None) -> str:
    """The text aws.yaml should have for the installed botocore."""
    version = version or botocore_version()
    return render(build_regions(load_botocore_regions(loader), version), version)


def check(path: Path = OUTPUT) -> bool:
    """True when the file at ``path`` is exactly what :func:`generate` produces."""
    try:
        current = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return False
    return current == generate()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the file on disk differs from what would be generated")
    parser.add_argument("--output", type=Path, default=OUTPUT, help=f"file to write or check (default {OUTPUT})")
    args = parser.parse_args(argv)
    try:
        text = generate()
    except UnmappedRegionError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else None
        if current != text:
            print(f"{args.output} is stale: run python tools/gen_aws_regions.py", file=sys.stderr)
            return 1
        print(f"{args.output} is up to date (botocore {botocore_version()})")
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output}: {text.count('- provider: aws')} regions from botocore {botocore_version()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
