"""The ArchiMate connector: the exchange format and Archi's CSV export, the mapping, and bad input."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from connectors import ScanContext
from connectors.archimate import Params, fetch, normalize
from inventory.records import InventoryBatch
from sovmap.errors import InputError, InputErrors
from sovmap.scan import run_scan

from conftest import FIXTURES

HERE = FIXTURES / "archimate"
XML = HERE / "landscape.xml"


def load_xml(path: Path = XML, **params) -> InventoryBatch:
    p = Params(path=path.name, **params)
    return normalize(fetch(p, ScanContext(base_dir=path.parent)), p)


def load_csv(folder: Path = HERE / "archi-csv", **params) -> InventoryBatch:
    p = Params(format="archi-csv", path=folder.name, **params)
    return normalize(fetch(p, ScanContext(base_dir=folder.parent)), p)


def problems(call, *args, **kwargs) -> list[InputError]:
    with pytest.raises((InputError, InputErrors)) as info:
        call(*args, **kwargs)
    return info.value.errors if isinstance(info.value, InputErrors) else [info.value]


def shape(batch: InventoryBatch) -> dict[str, set[tuple]]:
    return {
        "systems": {(s.id, s.name, s.criticality, s.classification, s.personal_data, s.rto_hours, s.depends_on) for s in batch.systems},
        "components": {(c.id, c.system, c.provider, c.service, c.region, c.site, c.holds_data, c.data_volume_gb, frozenset(c.depends_on))
                       for c in batch.components},
        "sites": {(s.id, s.name, s.country, s.city) for s in batch.sites},
        "operators": {(o.id, o.country, o.access, o.operates) for o in batch.operators},
    }


EXPECTED = {
    "systems": {
        ("intake", "Declaration intake", "critical", "confidential", True, 4.0, ()),
        ("archive", "Archive", "medium", "internal", False, None, ("intake",)),  # through an application service
        ("identity", "Shared identity", "critical", "internal", False, None, ()),
    },
    "components": {
        # A nested application component, placed in a region location; reaches the database through a data object.
        ("intake-api", "intake", "aws", "api-gateway", "eu-central-1", None, False, None, frozenset({"idp", "intake-db"})),
        ("intake-db", "intake", "aws", "dynamodb", "eu-central-1", None, True, 4200.0, frozenset()),  # serves one system
        ("archive-srv", "archive", None, None, None, "dc-apd", False, None, frozenset({"archive-array", "idp"})),  # through a junction
        ("archive-array", "archive", None, None, None, "dc-apd", True, 120000.0, frozenset()),  # its system through its owner
        ("idp", "identity", "azure", "entra-id", None, None, False, None, frozenset()),
    },
    "sites": {("dc-apd", "Data centre Apeldoorn", "NL", "Apeldoorn")},  # the country of the enclosing location
    "operators": {("desk", "IN", "support", ("archive-srv",))},
}


def test_exchange_file_maps_to_systems_components_sites_and_operators():
    batch = load_xml()

    assert shape(batch) == EXPECTED
    assert batch.organization.name == "Small Agency" and batch.organization.country == "NL"
    assert batch.source == "archimate:landscape.xml"
    intake = next(s for s in batch.systems if s.id == "intake")
    assert intake.description == "Receives customs declarations from carriers."
    assert intake.origin.endswith("landscape.xml:44")
    assert batch.coverage[0].detail == "elements not mapped: 1 AndJunction, 1 ApplicationService, 1 Artifact, 1 BusinessProcess, 1 DataObject"


def test_archi_csv_export_gives_the_same_records():
    assert shape(load_csv()) == EXPECTED


def test_semicolon_csv_with_bom_and_a_prefix(tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    for part in ("elements", "relations", "properties"):
        text = (HERE / "archi-csv" / f"{part}.csv").read_text().replace('","', '";"')
        (folder / f"agency-{part}.csv").write_bytes(b"\xef\xbb\xbf" + text.encode())

    assert shape(load_csv(folder, prefix="agency-", delimiter=";")) == EXPECTED


def test_property_names_and_the_language_are_configurable(tmp_path):
    text = XML.read_text().replace("<name xml:lang=\"en\">provider</name>", "<name xml:lang=\"en\">Cloud provider</name>")
    (tmp_path / "m.xml").write_text(text)

    batch = load_xml(tmp_path / "m.xml", properties={"provider": "Cloud provider"}, language="nl")

    assert {(c.id, c.provider) for c in batch.components if c.provider} == {("intake-api", "aws"), ("intake-db", "aws"), ("idp", "azure")}
    assert {s.name for s in batch.systems} >= {"Aangifte-intake"}


def test_without_the_id_property_the_identifiers_are_the_ids():
    batch = load_xml(id_property=None)

    assert "id-9f8e7d6c5b4a43218f0e1d2c3b4a5968" in {s.id for s in batch.systems}


def test_unknown_property_values_stay_as_given(tmp_path):
    (tmp_path / "m.xml").write_text(XML.read_text().replace(">eu-central-1<", ">eu-central-9<").replace(">dynamodb<", ">quantumdb<"))

    batch = load_xml(tmp_path / "m.xml")

    assert ("intake-db", "quantumdb", "eu-central-9") in {(c.id, c.service, c.region) for c in batch.components}


# --- hostile and broken XML --------------------------------------------------------------------


BOMB = """<?xml version="1.0"?>
<!DOCTYPE model [
  <!ENTITY a "aaaaaaaaaa">
  <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
]>
<model xmlns="http://www.opengroup.org/xsd/archimate/3.0/"><name>&b;</name></model>
"""
EXTERNAL = """<?xml version="1.0"?>
<model xmlns="http://www.opengroup.org/xsd/archimate/3.0/" xmlns:xi="http://www.w3.org/2001/XInclude">
<name>x</name>
<!DOCTYPE x SYSTEM "file:///etc/passwd">
</model>
"""


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        (BOMB, 2, "document type declaration"),
        ('<?xml version="1.0"?>\n<!DOCTYPE model SYSTEM "http://example.org/model.dtd">\n<model/>', 2, "document type declaration"),
        ('<?xml version="1.0"?>\n<model xmlns="http://www.opengroup.org/xsd/archimate/3.0/">\n  <elements>\n</model>\n', 4, "not well-formed XML"),
        ('<?xml version="1.0"?>\n<archimate:model xmlns:archimate="http://www.archimatetool.com/archimate"/>', 2, "not an ArchiMate exchange file"),
        ('<?xml version="1.0"?>\n<model xmlns="http://www.opengroup.org/xsd/archimate"/>', 2, "2.x exchange format"),
        ("", None, "empty"),
    ],
)
def test_hostile_or_broken_xml_is_refused_with_the_line(tmp_path, text, line, words):
    (tmp_path / "m.xml").write_text(text)

    [error] = problems(load_xml, tmp_path / "m.xml")

    assert words in error.reason
    assert (Path(error.file).name, error.line) == ("m.xml", line)


def test_an_entity_declaration_without_a_doctype_check_is_still_refused():
    from connectors.archimate_exchange import parse_exchange

    # defusedxml refuses the DTD first; entity declarations are refused on their own as well.
    with pytest.raises(InputError, match="document type declaration|entity"):
        parse_exchange("m.xml", BOMB.encode())


def test_model_errors_name_the_element_and_the_property(tmp_path):
    text = (XML.read_text()
            .replace("<value xml:lang=\"en\">4200</value>", "<value xml:lang=\"en\">4.200,5</value>")
            .replace("<value xml:lang=\"en\">medium</value>", "<value xml:lang=\"en\">average</value>")
            .replace('target="id-3d4e5f6a7b8c49d0e1f2a3b4c5d6e7f8" xsi:type="Serving"', 'target="id-nowhere" xsi:type="Serving"'))
    (tmp_path / "m.xml").write_text(text)

    errors = problems(load_xml, tmp_path / "m.xml")

    assert {(e.line, e.entry, e.field) for e in errors} == {
        (207, "relationship 'id-a0000000000000000000000000000012' (Serving)", "target"),
    }
    (tmp_path / "m.xml").write_text(text.replace('target="id-nowhere"', 'target="id-3d4e5f6a7b8c49d0e1f2a3b4c5d6e7f8"'))
    errors = problems(load_xml, tmp_path / "m.xml")
    assert {(e.line, e.entry, e.field) for e in errors} == {
        (117, "element 'Intake database' (id-5f6a7b8c9d0e41f2a3b4c5d6e7f8091a)", "data_volume_gb"),
        (86, "element 'Archive' (id-3d4e5f6a7b8c49d0e1f2a3b4c5d6e7f8)", "Criticality"),
    }
    assert "not an allowed criticality (got 'average')" in str(errors)


def test_a_component_in_two_systems_or_two_places_is_an_error(tmp_path):
    twice = ('<relationship identifier="id-x1" source="id-4e5f6a7b8c9d40e1f2a3b4c5d6e7f809" '
             'target="id-6a7b8c9d0e1f42a3b4c5d6e7f8091a2b" xsi:type="Aggregation" />\n'
             '<relationship identifier="id-x2" source="id-1a2b3c4d5e6f47089a0b1c2d3e4f5061" '
             'target="id-7b8c9d0e1f2a43b4c5d6e7f8091a2b3c" xsi:type="Aggregation" />\n  </relationships>')
    (tmp_path / "m.xml").write_text(XML.read_text().replace("  </relationships>", twice))

    errors = problems(load_xml, tmp_path / "m.xml")

    assert {(e.entry, e.reason) for e in errors} == {
        ("element 'Archive server' (id-6a7b8c9d0e1f42a3b4c5d6e7f8091a2b)",
         "is part of several systems (archive, identity); give it a 'system' property"),
        ("element 'Archive storage array' (id-7b8c9d0e1f2a43b4c5d6e7f8091a2b3c)",
         "is part of several systems (archive, identity); give it a 'system' property"),  # through the server
        ("element 'Archive storage array' (id-7b8c9d0e1f2a43b4c5d6e7f8091a2b3c)",
         "is placed at several locations (dc-apd, id-1a2b3c4d5e6f47089a0b1c2d3e4f5061); a component is in one place"),
    }


def test_an_undefined_property_definition_names_its_line(tmp_path):
    (tmp_path / "m.xml").write_text(XML.read_text().replace('propertyDefinitionRef="propid-15"', 'propertyDefinitionRef="propid-99"'))

    [error] = problems(load_xml, tmp_path / "m.xml")

    assert (error.line, error.reason) == (131, "a property refers to the undefined propertyDefinition 'propid-99'")


# --- broken CSV -------------------------------------------------------------------------------


def csv_copy(tmp_path: Path, part: str, edit) -> Path:
    folder = tmp_path / "export"
    shutil.copytree(HERE / "archi-csv", folder)
    path = folder / f"{part}.csv"
    path.write_text(edit(path.read_text()))
    return folder


@pytest.mark.parametrize(
    ("part", "edit", "where", "words"),
    [
        ("elements", lambda t: t.replace('"Type",', '"Kind",', 1), ("elements.csv", 1, None), "missing column(s) Type"),
        ("properties", lambda t: t + '"id-ghost","provider","aws"\n', ("properties.csv", 38, "ID"), "no element, relation or model"),
        ("relations", lambda t: t + '"id-a0000000000000000000000000000001","FlowRelationship","","","id-4b1e7c20d9a14f0e8b3a5c6d7e8f9012","id-8c2d4e6f0a1b4c3d9e8f7a6b5c4d3e2f",""\n',
         ("relations.csv", 23, "ID"), "duplicate ID (first at"),
        ("properties", lambda t: t.replace('"holds_data","true"', '"holds_data","maybe"'), ("properties.csv", 24, "holds_data"), "not a yes/no value"),
    ],
)
def test_csv_errors_name_file_line_and_column(tmp_path, part, edit, where, words):
    folder = csv_copy(tmp_path, part, edit)

    [error] = problems(load_csv, folder)

    assert (Path(error.file).name, error.line, error.field) == where
    assert words in error.reason


def test_a_missing_csv_file_or_a_file_instead_of_a_folder(tmp_path):
    folder = csv_copy(tmp_path, "relations", lambda t: t)
    (folder / "properties.csv").unlink()

    [missing] = problems(load_csv, folder)
    [not_folder] = problems(load_csv, folder / "elements.csv")

    assert (Path(missing.file).name, missing.reason) == ("properties.csv", "file not found")
    assert "reads a folder" in not_folder.reason


# --- in a scan ------------------------------------------------------------------------------------


def test_a_broken_model_stores_nothing_and_keeps_the_last_snapshot(store, tmp_path):
    shutil.copy(XML, tmp_path / "landscape.xml")
    (tmp_path / "sovmap.yaml").write_text("version: 1\nsources:\n  - {type: archimate, path: landscape.xml}\n")
    good = run_scan(tmp_path / "sovmap.yaml", store, as_of=date(2026, 11, 22)).snapshot_id
    before = (store.snapshots(), store.findings(good))
    (tmp_path / "landscape.xml").write_text(XML.read_text().replace("</elements>", "<element/></elements>"))

    with pytest.raises(InputError, match="an element without 'identifier'"):
        run_scan(tmp_path / "sovmap.yaml", store, as_of=date(2026, 11, 22))

    assert (store.snapshots(), store.findings(good)) == before
    inv = store.load_inventory(good)
    assert set(inv.components) == {"intake-api", "intake-db", "archive-srv", "archive-array", "idp"}
