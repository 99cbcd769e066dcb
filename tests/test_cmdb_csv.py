"""The CMDB CSV connector: CSV dialects, column mapping, system columns and every input error."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from connectors import REGISTRY, load_connector
from connectors import ScanContext
from connectors.cmdb_csv import MAX_ERRORS, PERMISSIONS, TYPE, Params, fetch, normalize
from inventory.records import InventoryBatch
from sovmap.config import load_config
from sovmap.errors import InputError, InputErrors

FIXTURES = Path(__file__).parent / "fixtures" / "cmdb"


def write(tmp_path: Path, text: str, *, name: str = "cmdb.csv", bom: bool = False, crlf: bool = False) -> Path:
    data = text.replace("\n", "\r\n") if crlf else text
    path = tmp_path / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data.encode("utf-8"))
    return path


def load(tmp_path: Path, text: str, *, bom: bool = False, crlf: bool = False, **params) -> InventoryBatch:
    path = write(tmp_path, text, bom=bom, crlf=crlf)
    p = Params(type="cmdb-csv", path=path.name, **params)
    return normalize(fetch(p, ScanContext(base_dir=tmp_path)), p)


def problems(tmp_path: Path, text: str, **kwargs) -> list[InputError]:
    """The errors reading ``text`` raises, one or several."""
    with pytest.raises((InputError, InputErrors)) as info:
        load(tmp_path, text, **kwargs)
    return info.value.errors if isinstance(info.value, InputErrors) else [info.value]


def where(errors: list[InputError]) -> set[tuple[str | None, int | None, str | None, str | None]]:
    return {(Path(e.file).name if e.file else None, e.line, e.entry, e.field) for e in errors}


def placement(batch: InventoryBatch) -> set[tuple]:
    return {(c.id, c.name, c.system, c.provider, c.service, c.region, c.site) for c in batch.components}


# --- dialects -------------------------------------------------------------------------------


COMMA = """\
id,name,system,provider,service,region,site
ecom-db,Declarations DB,ecom,aws,dynamodb,eu-west-1,
scan-srv,Scan server,scan,,,,dc-apeldoorn
"""

EXPECTED = {
    ("ecom-db", "Declarations DB", "ecom", "aws", "dynamodb", "eu-west-1", None),
    ("scan-srv", "Scan server", "scan", None, None, None, "dc-apeldoorn"),
}


def test_comma_file_maps_columns_of_the_same_name(tmp_path):
    batch = load(tmp_path, COMMA)

    assert placement(batch) == EXPECTED
    assert batch.source == "cmdb-csv:cmdb.csv"


@pytest.mark.parametrize("delimiter", [";", "\t"])
@pytest.mark.parametrize("configured", [True, False], ids=["configured", "sniffed"])
def test_semicolon_and_tab_files(tmp_path, delimiter, configured):
    text = COMMA.replace(",", delimiter)
    params = {"delimiter": delimiter} if configured else {}

    batch = load(tmp_path, text, **params)

    assert placement(batch) == EXPECTED


def test_bom_and_windows_line_endings(tmp_path):
    batch = load(tmp_path, COMMA, bom=True, crlf=True)

    assert placement(batch) == EXPECTED
    assert {c.origin.rsplit(":", 1)[1] for c in batch.components} == {"2", "3"}


def test_quoted_fields_hold_delimiters_quotes_and_line_breaks(tmp_path):
    text = 'id;name;kind\r\na;"Mail; intern";"vm ""large"""\r\nb;"two\r\nlines";x\r\nc;plain;y\r\n'

    batch = load(tmp_path, text)

    assert {(c.id, c.name, c.kind, c.origin.rsplit(":", 1)[1]) for c in batch.components} == {
        ("a", "Mail; intern", 'vm "large"', "2"),
        ("b", "two\r\nlines", "x", "3"),
        ("c", "plain", "y", "5"),
    }


def test_headers_match_whatever_their_case_and_spacing(tmp_path):
    batch = load(tmp_path, " ID , Name ,SYSTEM\nsrv-1, Server one ,  ecom \n")

    assert {(c.id, c.name, c.system) for c in batch.components} == {("srv-1", "Server one", "ecom")}


def test_empty_cells_are_none_and_blank_rows_are_skipped(tmp_path):
    text = "id,name,kind,holds_data,data_volume_gb,depends_on,tags.owner\n\nsrv-1, ,,,,,\n,,,,,,\n"

    batch = load(tmp_path, text)

    (c,) = batch.components
    assert (c.name, c.kind, c.holds_data, c.data_volume_gb, c.depends_on, c.tags) == (None, None, False, None, (), {})
    assert c.origin.endswith(":3")


def test_blank_lines_before_the_header_count_as_lines(tmp_path):
    batch = load(tmp_path, "\r\n\n \nid;name\na;b,c\n")

    assert {(c.id, c.name, c.origin.rsplit(":", 1)[1]) for c in batch.components} == {("a", "b,c", "5")}


def test_header_only_gives_no_components(tmp_path):
    batch = load(tmp_path, "id,name,system\n")

    assert (batch.components, batch.systems) == ([], [])


def test_a_single_column_file_reads(tmp_path):
    batch = load(tmp_path, "id\na\nb\n")

    assert {c.id for c in batch.components} == {"a", "b"}


def test_trailing_empty_cells_beyond_the_header_are_ignored(tmp_path):
    batch = load(tmp_path, "id;name\na;A;;\n")

    assert {(c.id, c.name) for c in batch.components} == {("a", "A")}


# --- values ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("true", True), ("Yes", True), ("y", True), ("1", True), ("JA", True),
     ("false", False), ("no", False), ("N", False), ("0", False), ("nee", False), ("", False)],
)
def test_holds_data_accepts_yes_no_values(tmp_path, cell, expected):
    batch = load(tmp_path, f"id,holds_data\na,{cell}\n")

    assert batch.components[0].holds_data is expected


@pytest.mark.parametrize(
    ("delimiter", "cell", "expected"),
    [(",", "1234.5", 1234.5), (";", "1234.5", 1234.5), (";", "1234,5", 1234.5), ("\t", "1234,5", 1234.5), (",", "0", 0.0)],
)
def test_data_volume_accepts_a_decimal_point_and_a_decimal_comma_off_comma_files(tmp_path, delimiter, cell, expected):
    batch = load(tmp_path, f"id{delimiter}data_volume_gb\na{delimiter}{cell}\n")

    assert batch.components[0].data_volume_gb == expected


def test_depends_on_splits_trims_and_drops_repeats(tmp_path):
    batch = load(tmp_path, "id,depends_on\na, b | c ||b\nb,\nc,a\n")

    assert {(c.id, c.depends_on) for c in batch.components} == {("a", ("b", "c")), ("b", ()), ("c", ("a",))}


def test_list_separator_is_configurable(tmp_path):
    batch = load(tmp_path, 'id;depends_on\na;"b, c"\n', list_separator=",")

    assert batch.components[0].depends_on == ("b", "c")


def test_key_custody_is_read_case_insensitively(tmp_path):
    batch = load(tmp_path, "id,key_custody\na,Customer-Held\nb,provider\nc,\n")

    assert {(c.id, c.key_custody) for c in batch.components} == {("a", "customer-held"), ("b", "provider"), ("c", None)}


def test_tag_columns_become_tags_and_empty_tags_are_left_out(tmp_path):
    text = "id,tags.owner,Tags.Env,Kostenplaats\na,team-x,prod,4711\nb,,test,\n"

    batch = load(tmp_path, text, columns={"tags.cost_centre": "Kostenplaats"})

    assert {(c.id, tuple(sorted(c.tags.items()))) for c in batch.components} == {
        ("a", (("Env", "prod"), ("cost_centre", "4711"), ("owner", "team-x"))),
        ("b", (("Env", "test"),)),
    }


def test_source_name_and_origin(tmp_path):
    batch = load(tmp_path, COMMA, name="cmdb-prod")

    assert batch.source == "cmdb-prod"
    assert {(c.source, Path(c.origin.rsplit(":", 1)[0]).name, c.origin.rsplit(":", 1)[1]) for c in batch.components} == {
        ("cmdb-prod", "cmdb.csv", "2"),
        ("cmdb-prod", "cmdb.csv", "3"),
    }


def test_unused_columns_are_reported_in_coverage(tmp_path):
    batch = load(tmp_path, "id,name,Opmerking,Status\na,A,x,live\n")

    assert {(e.status, e.detail, e.count) for e in batch.coverage} == {("read", "columns not used: 'Opmerking', 'Status'", 1)}


# --- mapping and defaults -------------------------------------------------------------------


SERVICENOW = "CI ID;Name;Business Service;Location;Data Volume (GB)\nCI001;ecom-db;ecom;eu-west-1;42000,5\nCI002;scan-srv;scan;;\n"
SERVICENOW_COLUMNS = {"id": "CI ID", "system": "Business Service", "region": "location", "data_volume_gb": "Data Volume (GB)"}


def test_custom_column_mapping_servicenow_style(tmp_path):
    batch = load(tmp_path, SERVICENOW, columns=SERVICENOW_COLUMNS)

    assert {(c.id, c.name, c.system, c.region, c.data_volume_gb) for c in batch.components} == {
        ("CI001", "ecom-db", "ecom", "eu-west-1", 42000.5),
        ("CI002", "scan-srv", "scan", None, None),
    }


def test_a_mapped_header_does_not_also_feed_the_field_of_its_name(tmp_path):
    batch = load(tmp_path, "id,Name,Label\na,ecom,Declarations DB\n", columns={"system": "Name", "name": "Label"})

    assert {(c.id, c.name, c.system) for c in batch.components} == {("a", "Declarations DB", "ecom")}


def test_defaults_fill_absent_columns_and_empty_cells(tmp_path):
    text = "id,provider,holds_data\na,,\nb,azure,nee\n"
    defaults = {"provider": "aws", "region": "eu-west-1", "holds_data": "ja", "data_volume_gb": 10,
                "depends_on": ["idp"], "account": 123456789012, "tags.source": "cmdb"}

    batch = load(tmp_path, text, defaults=defaults)

    assert {(c.id, c.provider, c.region, c.holds_data, c.data_volume_gb, c.depends_on, c.account, c.tags["source"])
            for c in batch.components} == {
        ("a", "aws", "eu-west-1", True, 10.0, ("idp",), "123456789012", "cmdb"),
        ("b", "azure", "eu-west-1", False, 10.0, ("idp",), "123456789012", "cmdb"),
    }


# --- systems --------------------------------------------------------------------------------


SYSTEMS = """\
id;system;system_name;system_criticality;system_classification;system_owner;system_rto_hours
ecom-db;ecom;E-commerce declarations;critical;confidential;Operations;4
ecom-api;ecom;;;;;
ecom-queue;ecom;E-commerce declarations;Critical;;Operations;4,0
scan-srv;scan;;high;;;
idp;;;;;;
"""


def test_system_columns_make_one_system_per_id_from_its_first_row(tmp_path):
    batch = load(tmp_path, SYSTEMS)

    assert {(s.id, s.name, s.criticality, s.classification, s.owner, s.rto_hours, s.origin.rsplit(":", 1)[1])
            for s in batch.systems} == {
        ("ecom", "E-commerce declarations", "critical", "confidential", "Operations", 4.0, "2"),
        ("scan", "scan", "high", "internal", None, None, "5"),
    }
    assert len(batch.components) == 5


def test_a_later_row_may_state_what_the_first_left_empty(tmp_path):
    text = "id,system,system_owner\na,ecom,\nb,ecom,CISO\n"

    batch = load(tmp_path, text)

    assert {(s.id, s.owner) for s in batch.systems} == {("ecom", "CISO")}


def test_system_defaults_make_system_records_without_system_columns(tmp_path):
    batch = load(tmp_path, "id,system\na,ecom\nb,scan\nc,ecom\n", defaults={"system_criticality": "high"})

    assert {(s.id, s.name, s.criticality) for s in batch.systems} == {("ecom", "ecom", "high"), ("scan", "scan", "high")}


def test_a_system_default_never_contradicts_a_cell(tmp_path):
    text = "id,system,system_criticality\na,ecom,critical\nb,ecom,\nc,,\n"

    batch = load(tmp_path, text, defaults={"system_criticality": "low"})

    assert {(s.id, s.criticality) for s in batch.systems} == {("ecom", "critical")}


def test_no_system_columns_no_system_records(tmp_path):
    batch = load(tmp_path, COMMA)

    assert batch.systems == []


# --- the realistic export -------------------------------------------------------------------


FIXTURE_COLUMNS = {
    "id": "CI-nummer", "name": "Naam", "kind": "Klasse", "system": "Bedrijfsdienst",
    "system_name": "Systeemnaam", "system_criticality": "Kritikaliteit", "system_classification": "Classificatie",
    "system_owner": "Eigenaar dienst", "system_rto_hours": "RTO (uur)", "provider": "Leverancier",
    "service": "Dienst", "region": "Regio", "site": "Locatie", "holds_data": "Bevat gegevens",
    "data_volume_gb": "Datavolume (GB)", "depends_on": "Afhankelijk van", "key_custody": "Sleutelbeheer",
    "account": "Account", "tags.environment": "Omgeving", "tags.operator": "Beheerder",
}


def test_servicenow_export_fixture():
    params = Params(type="cmdb-csv", name="servicenow", path="servicenow-export.csv", columns=FIXTURE_COLUMNS, list_separator=",")

    batch = normalize(fetch(params, ScanContext(base_dir=FIXTURES)), params)

    assert len(batch.components) == 20
    assert {(s.id, s.criticality, s.classification, s.rto_hours) for s in batch.systems} == {
        ("ecom-declarations", "critical", "confidential", 4.0),
        ("scan-analysis", "high", "secret", 8.0),
        ("data-platform", "high", "confidential", 24.0),
        ("shared-identity", "critical", "internal", 2.0),
        ("collaboration", "medium", "internal", 48.0),
    }
    by_id = {c.id: c for c in batch.components}
    assert {(i, by_id[i].provider, by_id[i].region, by_id[i].site, by_id[i].data_volume_gb, by_id[i].key_custody)
            for i in ("CI0010002", "CI0020002", "CI0030004", "CI0040001")} == {
        ("CI0010002", "aws", "eu-west-1", None, 42000.0, "customer-managed"),
        ("CI0020002", "azure", "westeurope", None, 950000.75, "customer-managed"),
        ("CI0030004", None, None, "dc-zoetermeer", 0.5, None),
        ("CI0040001", "microsoft", None, None, 15.0, "provider"),
    }
    assert by_id["CI0010001"].depends_on == ("CI0010002", "CI0010003", "CI0040001")
    assert (by_id["CI0010004"].holds_data, by_id["CI0010005"].holds_data) == (False, True)
    assert by_id["CI0020004"].tags == {"environment": "productie", "operator": "Eigen beheer"}
    # The last row holds a line break inside a quoted cell: it starts on line 21, and the file has 22 lines.
    assert by_id["CI0050004"].origin.endswith("servicenow-export.csv:21")
    assert {(e.detail, e.count) for e in batch.coverage} == {("columns not used: 'Opmerking'", 20)}


# --- errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "\r\n\r\n", "   \n"])
def test_an_empty_file_is_an_error(tmp_path, text):
    errors = problems(tmp_path, text)

    assert where(errors) == {("cmdb.csv", None, None, None)}
    assert "empty" in errors[0].reason


def test_a_mapped_column_missing_from_the_header_names_it_and_the_headers_found(tmp_path):
    errors = problems(tmp_path, SERVICENOW, columns={**SERVICENOW_COLUMNS, "region": "Region", "tags.owner": "Owner"})

    assert where(errors) == {("cmdb.csv", 1, None, "Region"), ("cmdb.csv", 1, None, "Owner")}
    assert all("'CI ID', 'Name', 'Business Service', 'Location', 'Data Volume (GB)'" in e.reason for e in errors)


def test_no_id_column_is_an_error(tmp_path):
    errors = problems(tmp_path, "name,system\na,b\n")

    assert where(errors) == {("cmdb.csv", 1, None, None)}
    assert "no 'id' column" in errors[0].reason and "'name', 'system'" in errors[0].reason


def test_a_mapped_column_that_appears_twice_is_an_error(tmp_path):
    errors = problems(tmp_path, "id,name,Name\na,b,c\n")

    assert where(errors) == {("cmdb.csv", 1, None, "name")}
    assert "columns 2 and 3" in errors[0].reason


def test_a_missing_id_names_line_row_and_column(tmp_path):
    errors = problems(tmp_path, SERVICENOW.replace("CI002", ""), columns=SERVICENOW_COLUMNS)

    assert where(errors) == {("cmdb.csv", 3, "row 3", "CI ID")}
    assert "missing" in errors[0].reason


def test_a_duplicate_id_names_the_first_line(tmp_path):
    errors = problems(tmp_path, "id,name\na,one\nb,two\na,three\n")

    assert where(errors) == {("cmdb.csv", 4, "row 4 (id 'a')", "id")}
    assert "first at line 2" in errors[0].reason


@pytest.mark.parametrize(
    ("header", "cell", "says"),
    [
        ("holds_data", "maybe", "yes/no"),
        ("data_volume_gb", "lots", "number"),
        ("data_volume_gb", "-5", "number"),
        ("data_volume_gb", "1.234,5", "thousands"),
        ("key_custody", "hsm", "customer-held"),
        ("system_criticality", "vital", "critical, high, medium, low"),
        ("system_classification", "geheim", "public, internal, confidential, secret"),
        ("system_rto_hours", "4h", "number"),
    ],
)
def test_a_bad_value_names_file_line_row_and_column(tmp_path, header, cell, says):
    errors = problems(tmp_path, f"id;system;{header}\nsrv-1;ecom;{cell}\n")

    assert where(errors) == {("cmdb.csv", 2, "row 2 (id 'srv-1')", header)}
    assert f"'{cell}'" in errors[0].reason and says in errors[0].reason
    assert str(errors[0]).startswith(f"{tmp_path / 'cmdb.csv'}:2: row 2 (id 'srv-1'): field '{header}': ")


def test_a_decimal_comma_in_a_comma_file_is_an_error(tmp_path):
    errors = problems(tmp_path, 'id,data_volume_gb\na,"1234,5"\n')

    assert where(errors) == {("cmdb.csv", 2, "row 2 (id 'a')", "data_volume_gb")}


def test_the_column_named_is_the_header_as_written(tmp_path):
    errors = problems(tmp_path, SERVICENOW.replace("42000,5", "veel"), columns=SERVICENOW_COLUMNS)

    assert where(errors) == {("cmdb.csv", 2, "row 2 (id 'CI001')", "Data Volume (GB)")}


def test_more_cells_than_the_header_is_an_error(tmp_path):
    errors = problems(tmp_path, "id,name\na,Mail, intern\n")

    assert where(errors) == {("cmdb.csv", 2, "row 2", None)}
    assert "3 cells, the header 2" in errors[0].reason


def test_region_and_site_together_is_an_error(tmp_path):
    errors = problems(tmp_path, "id,region,site\na,eu-west-1,dc-1\n")

    assert where(errors) == {("cmdb.csv", 2, "row 2 (id 'a')", "site")}


def test_a_contradicting_system_row_names_both_lines(tmp_path):
    text = SYSTEMS.replace("ecom-queue;ecom;E-commerce declarations;Critical", "ecom-queue;ecom;E-commerce declarations;high")

    errors = problems(tmp_path, text)

    assert where(errors) == {("cmdb.csv", 4, "row 4 (id 'ecom-queue')", "system_criticality")}
    assert "'high' here but 'critical' at line 2" in errors[0].reason


def test_a_system_value_without_a_system_id_is_an_error(tmp_path):
    errors = problems(tmp_path, "id,system,system_owner\na,,CISO\n")

    assert where(errors) == {("cmdb.csv", 2, "row 2 (id 'a')", "system_owner")}


def test_a_line_break_inside_quotes_moves_the_line_of_later_errors(tmp_path):
    errors = problems(tmp_path, 'id,name,holds_data\na,"one\ntwo\nthree",yes\nb,x,perhaps\n')

    assert where(errors) == {("cmdb.csv", 5, "row 3 (id 'b')", "holds_data")}


def test_an_unclosed_quote_is_an_error_on_the_row_it_starts(tmp_path):
    errors = problems(tmp_path, 'id,name\na,ok\nb,"never closed\nc,x\n')

    assert where(errors) == {("cmdb.csv", 3, None, None)}
    assert "never closed" in errors[0].reason


def test_an_ambiguous_header_asks_for_the_delimiter(tmp_path):
    errors = problems(tmp_path, "id;name,kind\na;b,c\n")

    assert where(errors) == {("cmdb.csv", 1, None, None)}
    assert "set 'delimiter'" in errors[0].reason


def test_non_utf8_is_an_error_with_its_line(tmp_path):
    path = tmp_path / "cmdb.csv"
    path.write_bytes("id,name\na,ok\nb,Bureau Zürich\n".encode("cp1252"))
    params = Params(type="cmdb-csv", path="cmdb.csv")

    with pytest.raises(InputError) as info:
        normalize(fetch(params, ScanContext(base_dir=tmp_path)), params)

    assert where([info.value]) == {("cmdb.csv", 3, None, None)}
    assert "not UTF-8" in info.value.reason


def test_row_errors_are_reported_together(tmp_path):
    text = "id,holds_data,data_volume_gb\na,maybe,1\n,yes,x\na,no,2\n"

    errors = problems(tmp_path, text)

    assert where(errors) == {
        ("cmdb.csv", 2, "row 2 (id 'a')", "holds_data"),
        ("cmdb.csv", 3, "row 3", "data_volume_gb"),
        ("cmdb.csv", 3, "row 3", "id"),
        ("cmdb.csv", 4, "row 4 (id 'a')", "id"),
    }


def test_errors_past_the_cap_are_counted_not_listed(tmp_path):
    text = "id,holds_data\n" + "".join(f"srv-{i},maybe\n" for i in range(MAX_ERRORS + 7))

    with pytest.raises(InputErrors) as info:
        load(tmp_path, text)

    assert len(info.value.errors) == MAX_ERRORS
    assert str(info.value).startswith(f"{MAX_ERRORS + 7} problem(s)")
    assert str(info.value).endswith("and 7 more")


# --- params, fetch and registry -------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "says"),
    [
        ({"columns": {"owner": "Eigenaar"}}, "unknown field 'owner'"),
        ({"columns": {"tags.": "x"}}, "unknown field 'tags.'"),
        ({"columns": {"id": "  "}}, "at least 1 character"),
        ({"defaults": {"id": "x"}}, "'id' cannot have a default"),
        ({"defaults": {"holds_data": "misschien"}}, "yes/no"),
        ({"defaults": {"data_volume_gb": -1}}, "0 or more"),
        ({"defaults": {"key_custody": "hsm"}}, "key custody"),
        ({"defaults": {"provider": ["aws", "azure"]}}, "single value"),
        ({"defaults": {"provider": True}}, "true/false"),
        ({"delimiter": "|"}, "Input should be"),
        ({"list_separator": ""}, "at least 1 character"),
        ({"encoding": "latin-1"}, "Extra inputs"),
    ],
)
def test_bad_params_are_refused_when_the_config_loads(params, says):
    with pytest.raises(ValidationError) as info:
        Params(type="cmdb-csv", path="cmdb.csv", **params)

    assert says in str(info.value)


def test_a_tab_delimiter_survives_validation():
    assert Params(type="cmdb-csv", path="x.csv", delimiter="\t").delimiter == "\t"


def test_fetch_refuses_a_missing_file_a_folder_and_a_file_over_the_limit(tmp_path):
    write(tmp_path, COMMA)
    (tmp_path / "folder.csv").mkdir()
    cases = [("absent.csv", {}), ("folder.csv", {}), ("cmdb.csv", {"max_bytes": 10})]
    reasons = set()

    for name, extra in cases:
        with pytest.raises(InputError) as info:
            fetch(Params(type="cmdb-csv", path=name, **extra), ScanContext(base_dir=tmp_path))
        reasons.add((Path(info.value.file).name, info.value.reason.split(" ")[0]))

    assert reasons == {("absent.csv", "file"), ("folder.csv", "is"), ("cmdb.csv", "file")}


def test_the_documented_configuration_loads_and_reads(tmp_path):
    (tmp_path / "servicenow.csv").write_text(SERVICENOW, encoding="utf-8")
    (tmp_path / "sovmap.yaml").write_text(
        "version: 1\n"
        "sources:\n"
        "  - type: cmdb-csv\n"
        "    path: servicenow.csv\n"
        "    columns: {id: CI ID, system: Business Service, region: Location, data_volume_gb: Data Volume (GB)}\n"
        "    defaults: {provider: aws, holds_data: ja}\n",
        encoding="utf-8",
    )
    config = load_config(tmp_path / "sovmap.yaml")
    ((type_, params),) = config.sources

    batch = normalize(fetch(params, ScanContext(base_dir=config.base_dir)), params)

    assert type_ == TYPE
    assert {(c.id, c.system, c.provider, c.region, c.holds_data) for c in batch.components} == {
        ("CI001", "ecom", "aws", "eu-west-1", True),
        ("CI002", "scan", "aws", None, True),
    }


def test_a_bad_default_names_the_config_line_and_field(tmp_path):
    (tmp_path / "sovmap.yaml").write_text(
        "version: 1\nsources:\n  - type: cmdb-csv\n    path: x.csv\n    defaults: {holds_data: misschien}\n",
        encoding="utf-8",
    )

    with pytest.raises(InputError) as info:
        load_config(tmp_path / "sovmap.yaml")

    assert (info.value.line, info.value.entry, info.value.field) == (5, "sources[0]", "defaults")
    assert "'misschien'" in info.value.reason


def test_registered_as_a_file_connector():
    module = load_connector("cmdb-csv")

    assert (module.TYPE, REGISTRY[TYPE].kind, PERMISSIONS) == ("cmdb-csv", "file", ("read access to the CSV file",))
