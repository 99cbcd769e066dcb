"""Fuzzing the CSV readers: the CMDB export, Steampipe/CloudQuery results, Archi's CSV export.

Whatever the bytes and whatever the mapping, the reader returns records the store can
hold or raises the documented InputError naming the file (see ``tests/fuzzing.py``).
"""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import FIXTURES
from connectors import archimate, cmdb_csv, query_csv
from fuzzing import fuzz, mutated_bytes, parse_or_refuse, text_values
from sovmap.errors import InputError

CMDB = (FIXTURES / "cmdb" / "servicenow-export.csv").read_bytes()
CMDB_COLUMNS = {
    "id": "CI-nummer", "name": "Naam", "kind": "Klasse", "system": "Bedrijfsdienst",
    "system_name": "Systeemnaam", "system_criticality": "Kritikaliteit", "system_classification": "Classificatie",
    "system_owner": "Eigenaar dienst", "system_rto_hours": "RTO (uur)", "provider": "Leverancier",
    "service": "Dienst", "region": "Regio", "site": "Locatie", "holds_data": "Bevat gegevens",
    "data_volume_gb": "Datavolume (GB)", "depends_on": "Afhankelijk van", "key_custody": "Sleutelbeheer",
    "account": "Account", "tags.environment": "Omgeving", "tags.operator": "Beheerder",
}
CMDB_PARAMS = cmdb_csv.Params(path="cmdb.csv", columns=CMDB_COLUMNS, list_separator=",")
FIELDS = (*cmdb_csv.COMPONENT_FIELDS, *cmdb_csv.SYSTEM_FIELDS, "tags.owner", "tags.")
CELLS = ("ja", "nee", "yes", "true", "0", "1", "12,5", "12.5", "-1", "1e3", "١٢", "critical", "secret", "customer-held",
         "a|b|a", "a,b", "eu-west-1", "dc1", "aws", "x" * 300)
CSV_TOKENS = (b'"', b'""', b'","', b";", b",", b"\t", b"\r\n", b"\n", b"\r", b"\xef\xbb\xbf", b"\x00", b"\xff", b'"\n"',
              b"=HYPERLINK(\"x\")", b"\xe2\x80\xa8", b'"' + b"x" * 200_000 + b'"')

QUERY = (FIXTURES / "query_csv" / "steampipe-aws_s3_bucket.csv").read_bytes()
ARCHI = {part: (FIXTURES / "archimate" / "archi-csv" / f"{part}.csv").read_bytes() for part in ("elements", "relations", "properties")}


def _csv(rows: list[list[str]], delimiter: str) -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    # Lone surrogates cannot be UTF-8; invalid bytes are the business of the random-bytes tests.
    return out.getvalue().encode("utf-8", "replace")


@st.composite
def cmdb_files(draw) -> tuple[bytes, cmdb_csv.Params]:
    """A header of real and odd field names, rows of hostile and plausible cells, and a mapping of them."""
    header = ["id", *draw(st.lists(st.one_of(st.sampled_from(FIELDS), text_values()), max_size=8))]
    if draw(st.booleans()):
        header = draw(st.permutations(header))[1:] or header
    cell = st.one_of(st.sampled_from(CELLS), text_values())
    rows = draw(st.lists(st.lists(cell, min_size=0, max_size=len(header) + 2), max_size=8))
    delimiter = draw(st.sampled_from((",", ";", "\t")))
    settings = draw(st.fixed_dictionaries({}, optional={
        "delimiter": st.sampled_from((",", ";", "\t", "auto")),
        "columns": st.dictionaries(st.sampled_from(FIELDS[:-1]), st.sampled_from(header).filter(str.strip), max_size=3),
        "list_separator": st.sampled_from(("|", ",", ";", " ", "||")),
        "defaults": st.dictionaries(st.sampled_from(("provider", "holds_data", "system", "data_volume_gb", "system_name")),
                                    st.one_of(st.sampled_from(CELLS), st.booleans(), st.integers(0, 10)), max_size=2),
    }))
    try:
        params = cmdb_csv.Params(path="cmdb.csv", **settings)
    except ValueError:  # a mapping pydantic refuses is the config's business, fuzzed elsewhere
        params = cmdb_csv.Params(path="cmdb.csv")
    return _csv([header, *rows], delimiter), params


def _cmdb(content: bytes, params: cmdb_csv.Params) -> None:
    parse_or_refuse(lambda: cmdb_csv.normalize(("cmdb.csv", content), params), files={"cmdb.csv"})


@fuzz(300)
@given(st.binary(max_size=300), st.sampled_from((CMDB_PARAMS, cmdb_csv.Params(path="cmdb.csv"))))
def test_cmdb_random_bytes_are_read_or_refused(content, params):
    _cmdb(content, params)


@fuzz(300)
@given(mutated_bytes(CMDB, CSV_TOKENS))
def test_cmdb_export_with_a_few_bytes_changed_is_read_or_refused(content):
    _cmdb(content, CMDB_PARAMS)


@fuzz(400)
@given(cmdb_files())
def test_cmdb_files_of_any_shape_and_mapping_are_read_or_refused(case):
    _cmdb(*case)


# -- Steampipe / CloudQuery --------------------------------------------------------------------------

QUERY_PARAMS = (
    query_csv.Params(path="q.csv", provider="aws", table="aws_s3_bucket"),
    query_csv.Params(path="q.csv", provider="azure", service="blob-storage", columns={"tags": "labels", "kind": "name"}),
    query_csv.Params(path="q.csv", provider="nobody", delimiter=";"),
)
QUERY_HEADERS = ("arn", "id", "self_link", "resource_id", "name", "title", "region", "location", "account_id",
                 "subscription_id", "project", "tags", "labels")
TAG_CELLS = ('{"a": "b"}', "[]", "null", '[{"Key": "k", "Value": "v"}]', "[" * 60_000 + "]" * 60_000, "9" * 5000, '{"a": NaN}',
             '"x"', '{"\\u0000": "x"}', '{"k": "\\ud800"}', "{", "")


@st.composite
def query_files(draw) -> bytes:
    """An id column and a tags column (JSON, hostile at times), and some of the other usual ones."""
    header = [draw(st.sampled_from(QUERY_HEADERS[:4])), draw(st.sampled_from(("tags", "labels")))]
    header += draw(st.lists(st.one_of(st.sampled_from(QUERY_HEADERS[4:]), text_values()), max_size=3))
    header = draw(st.permutations(header))
    generic = st.one_of(st.sampled_from(CELLS), text_values())
    ident = st.one_of(st.sampled_from(("arn:aws:s3:::b", "arn:aws:s3:::c", "/subscriptions/x", "i-1")), text_values())
    tags = st.one_of(st.sampled_from(TAG_CELLS), text_values())
    by_column = {h: ident for h in QUERY_HEADERS[:4]} | {"tags": tags, "labels": tags}
    rows = draw(st.lists(st.tuples(*(by_column.get(h, generic) for h in header)).map(list), min_size=1, max_size=5))
    return _csv([header, *rows], ",")


@fuzz(200)
@given(st.one_of(st.binary(max_size=300), mutated_bytes(QUERY, CSV_TOKENS + tuple(t.encode() for t in TAG_CELLS))),
       st.sampled_from(QUERY_PARAMS))
def test_query_results_with_a_few_bytes_changed_are_read_or_refused(content, params):
    parse_or_refuse(lambda: query_csv.normalize(("q.csv", content), params), files={"q.csv"})


@fuzz(300)
@given(query_files(), st.sampled_from(QUERY_PARAMS))
def test_query_results_of_any_shape_are_read_or_refused(content, params):
    parse_or_refuse(lambda: query_csv.normalize(("q.csv", content), params), files={"q.csv"})


# -- Archi's CSV export ------------------------------------------------------------------------------

ARCHI_FILES = {"elements.csv", "relations.csv", "properties.csv"}
ARCHI_PARAMS = (
    archimate.Params(path="x", format="archi-csv"),
    archimate.Params(path="x", format="archi-csv", id_property=None, attribute_by_serving=False,
                     properties={"provider": "Cloud provider", "system": "Application"}, tag_properties=["Owner"],
                     relations={"Association": "target", "Serving": "none"}, system_types=["ApplicationComponent", "Node"]),
)
ARCHI_TOKENS = CSV_TOKENS + (b'"ApplicationComponent"', b'"Node"', b'"Location"', b'"BusinessActor"', b'"ServingRelationship"',
                             b'"CompositionRelationship"', b'"AggregationRelationship"', b'"AssignmentRelationship"',
                             b'"system"', b'"provider"', b'"region"', b'"country"', b'"legal_entity"', b'"access"', b'"id"',
                             b'"home_bloc"', b'"organization"', b'"criticality"', b'"ArchimateModel"')


def _archi(files: dict[str, bytes], params: archimate.Params) -> None:
    raw = ("archi-csv", {part: (f"{part}.csv", content) for part, content in files.items()})
    parse_or_refuse(lambda: archimate.normalize(raw, params), files=ARCHI_FILES)


@fuzz(400)
@given(st.sampled_from(("elements", "relations", "properties")), st.data(), st.sampled_from(ARCHI_PARAMS))
def test_archi_csv_export_with_a_few_bytes_changed_is_read_or_refused(part, data, params):
    files = dict(ARCHI)
    files[part] = data.draw(mutated_bytes(ARCHI[part], ARCHI_TOKENS))
    _archi(files, params)


@fuzz(150)
@given(st.binary(max_size=200), st.binary(max_size=200), st.binary(max_size=200))
def test_archi_csv_random_bytes_are_read_or_refused(elements, relations, properties):
    _archi({"elements": elements, "relations": relations, "properties": properties}, ARCHI_PARAMS[0])


@pytest.mark.parametrize("cell, reason", [
    ('"' + "x" * 200_000 + '"', "field larger than field limit"),
    ("a\x00b", "NUL byte"),
    ('"never closed', "never closed"),
])
def test_hostile_cmdb_cells_get_a_clear_error_with_the_line(cell, reason):
    content = f"id;name\r\nok;fine\r\nbad;{cell}\r\n".encode()

    with pytest.raises(InputError) as caught:
        cmdb_csv.normalize(("cmdb.csv", content), cmdb_csv.Params(path="cmdb.csv", delimiter=";"))

    assert reason in str(caught.value)
    assert (caught.value.file, caught.value.line) == ("cmdb.csv", 3)


@pytest.mark.parametrize("tags, reason", [
    ("[" * 60_000 + "]" * 60_000, "nesting too deep"),
    ("9" * 5000, "4300 digits"),
    ('{"k": "\\u0000"}', "NUL"),
    ('{"k": "\\udc80"}', "surrogate"),
])
def test_hostile_tags_of_query_results_get_a_clear_error_with_the_line(tags, reason):
    content = _csv([["arn", "tags"], ["arn:aws:s3:::a", "{}"], ["arn:aws:s3:::b", tags]], ",")

    with pytest.raises(InputError) as caught:
        query_csv.normalize(("q.csv", content), QUERY_PARAMS[0])

    assert reason in str(caught.value)
    assert (caught.value.file, caught.value.line, caught.value.field) == ("q.csv", 3, "tags")
