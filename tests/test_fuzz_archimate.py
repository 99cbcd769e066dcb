"""Fuzzing the ArchiMate exchange reader (XML) and the mapping of a model to records.

Whatever the bytes, the reader returns records the store can hold or raises the
documented InputError naming the file (see ``tests/fuzzing.py``). Document type
declarations, entities and external references are refused before anything is expanded.
"""

from __future__ import annotations

import http.server
import threading
import time
from xml.sax.saxutils import escape, quoteattr

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import FIXTURES
from connectors import archimate
from fuzzing import fuzz, mutated_bytes, parse_or_refuse
from sovmap.errors import InputError

FILE = "landscape.xml"
LANDSCAPE = (FIXTURES / "archimate" / "landscape.xml").read_bytes()
NS = 'xmlns="http://www.opengroup.org/xsd/archimate/3.0/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
PARAMS = (
    archimate.Params(path=FILE),
    archimate.Params(path=FILE, language="nl", id_property=None, attribute_by_serving=False, tag_properties=["owner"],
                     properties={"provider": "Cloud provider", "system": "application"},
                     relations={"AssociationRelationship": "target", "Serving": "none"},
                     system_types=["ApplicationComponent", "Node"], component_types=["Node", "Device", "DataObject"],
                     operator_types=["BusinessActor", "Location"]),
)
XML_TOKENS = (
    b"<!DOCTYPE model>", b'<!DOCTYPE model [<!ENTITY x "y">]>', b'<!DOCTYPE m SYSTEM "http://127.0.0.1:9/x.dtd">',
    b'<!ENTITY % p SYSTEM "file:///etc/passwd">', b"&x;", b"&amp;", b"&#0;", b"&#xD800;", b"&#x10FFFF;", b"<![CDATA[", b"]]>",
    b"<?xml version='1.0' encoding='ebcdic-xx'?>", b"<?xml version='1.0' encoding='utf-32'?>",
    b"<?xml version='1.0' encoding='hex'?>", b"<?xml version='1.1'?>", b"<?pi x?>", b"<!-- -->", b"<", b">", b"/>",
    b"</element>", b"<element ", b'xsi:type="Node"', b'xsi:type="ApplicationComponent"', b'xsi:type="Location"',
    b'xsi:type="BusinessActor"', b'xsi:type="Composition"', b'xsi:type="Serving"', b'identifier="id-x"', b'source="id-x"',
    b'propertyDefinitionRef="propid-1"', b'xml:lang="nl"', b"<properties>", b"<property>", b"<value>", b"</value>", b'"', b"'",
    b"\x00", b"\xff", b"\xef\xbb\xbf", b"\xfe\xff", b'xmlns="urn:other"', b"xmlns:a='b'",
)

ELEMENT_TYPES = ("ApplicationComponent", "Node", "Device", "SystemSoftware", "TechnologyService", "Location", "BusinessActor",
                 "ApplicationService", "DataObject", "Junction", "Grouping", "archimate:Node", "")
RELATION_TYPES = ("Composition", "Aggregation", "Serving", "Realization", "Assignment", "Flow", "Triggering", "Access",
                  "Association", "Specialization", "Influence", "")
PROPERTY_NAMES = ("id", "system", "provider", "service", "region", "site", "country", "city", "legal_entity", "access",
                  "operates", "criticality", "classification", "holds_data", "data_volume_gb", "key_custody", "depends_on",
                  "organization", "home_bloc", "personal_data", "rto_hours", "owner", "Cloud provider", "kind", "model")
VALUES = ("aws", "eu-central-1", "NL", "US", "critical", "secret", "yes", "nee", "12.5", "-1", "admin", "customer-held",
          "a, b; c", "EU", "Mars", "", " ", "x" * 3000, "=1+1", "<b>", "é東")
IDS = tuple(f"id-{i}" for i in range(8))
# Text an XML document can carry (no control characters but tab and newlines, no surrogates).
xml_text = st.one_of(st.sampled_from(VALUES), st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), max_size=12))


@st.composite
def exchange_files(draw) -> bytes:
    """An exchange file of random elements, relationships and properties over a small set of identifiers."""
    defs = draw(st.lists(st.sampled_from(PROPERTY_NAMES), max_size=6))

    def props() -> str:
        chosen = draw(st.lists(st.tuples(st.integers(0, len(defs)), xml_text), max_size=4))
        items = "".join(f'<property propertyDefinitionRef="pd-{i}"><value xml:lang="en">{escape(v)}</value></property>'
                        for i, v in chosen)
        return f"<properties>{items}</properties>" if items else ""

    elements = []
    for ident in draw(st.lists(st.sampled_from(IDS), max_size=8)):
        kind = draw(st.sampled_from(ELEMENT_TYPES))
        names = "".join(f'<name xml:lang="{lang}">{escape(n)}</name>'
                        for lang, n in draw(st.lists(st.tuples(st.sampled_from(("en", "nl", "")), xml_text), max_size=2)))
        elements.append(f'<element identifier={quoteattr(ident)} xsi:type={quoteattr(kind)}>{names}{props()}</element>')
    relations = []
    for n in range(draw(st.integers(0, 8))):
        kind, source, target = draw(st.sampled_from(RELATION_TYPES)), draw(st.sampled_from(IDS + ("r-0", "nowhere"))), draw(st.sampled_from(IDS + ("r-1",)))
        relations.append(f'<relationship identifier="r-{n}" source={quoteattr(source)} target={quoteattr(target)} '
                         f'xsi:type={quoteattr(kind)}>{props()}</relationship>')
    definitions = "".join(f'<propertyDefinition identifier="pd-{i}" type="string"><name>{escape(d)}</name></propertyDefinition>'
                          for i, d in enumerate(defs))
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<model {NS} identifier="m"><name>M</name>{props()}'
            f"<elements>{''.join(elements)}</elements><relationships>{''.join(relations)}</relationships>"
            f"<propertyDefinitions>{definitions}</propertyDefinitions></model>").encode()


def _read(content: bytes, params: archimate.Params) -> None:
    parse_or_refuse(lambda: archimate.normalize(("exchange-xml", (FILE, content)), params), files={FILE})


@fuzz(200)
@given(st.binary(max_size=300), st.sampled_from(PARAMS))
def test_random_bytes_are_read_or_refused(content, params):
    _read(content, params)


@fuzz(300)
@given(mutated_bytes(LANDSCAPE, XML_TOKENS), st.sampled_from(PARAMS))
def test_a_model_with_a_few_bytes_changed_is_read_or_refused(content, params):
    _read(content, params)


@fuzz(400)
@given(exchange_files(), st.sampled_from(PARAMS))
def test_models_of_any_shape_are_read_or_refused(content, params):
    _read(content, params)


# -- entities, DTDs and external references ---------------------------------------------------------

HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'
BODY = f'<model {NS} identifier="m"><name>&x;</name></model>'


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server API
        _Recorder.hits.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b'<!ENTITY x "fetched">')

    def log_message(self, *args) -> None:
        return None


@pytest.fixture
def listener():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Recorder.hits = []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("doctype", [
    '<!DOCTYPE model [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
    '<!DOCTYPE model [<!ENTITY x SYSTEM "{url}/xxe">]>',
    '<!DOCTYPE model [<!ENTITY % p SYSTEM "{url}/p.dtd"> %p;]>',
    '<!DOCTYPE model SYSTEM "{url}/model.dtd">',
    '<!DOCTYPE model [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    '<!ENTITY x "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>',
    "<!DOCTYPE model>",
])
def test_entities_and_external_references_are_refused_before_anything_is_fetched(listener, doctype):
    content = (HEAD + doctype.format(url=listener) + "\n" + BODY).encode()
    started = time.perf_counter()

    with pytest.raises(InputError) as caught:
        archimate.normalize(("exchange-xml", (FILE, content)), PARAMS[0])

    assert "a document type declaration (<!DOCTYPE>) is refused" in str(caught.value)
    assert (caught.value.file, caught.value.line) == (FILE, 2)
    assert _Recorder.hits == []
    assert time.perf_counter() - started < 1


def test_an_undeclared_entity_is_not_well_formed_xml():
    with pytest.raises(InputError, match="not well-formed XML: undefined entity"):
        archimate.normalize(("exchange-xml", (FILE, (HEAD + BODY).encode())), PARAMS[0])


def test_elements_nested_without_end_are_refused():
    content = (HEAD + f"<model {NS}>" + "<elements>" * 100_000).encode()

    with pytest.raises(InputError, match="nested more than 256 deep"):
        archimate.normalize(("exchange-xml", (FILE, content)), PARAMS[0])


@pytest.mark.parametrize("encoding", ["ebcdic-xx", "utf-32", "hex", "idna", "rot13"])
def test_an_encoding_that_cannot_be_read_gets_a_clear_error(encoding):
    content = f"<?xml version='1.0' encoding='{encoding}'?>\n<model {NS}><name>M</name></model>".encode()

    with pytest.raises(InputError) as caught:
        archimate.normalize(("exchange-xml", (FILE, content)), PARAMS[0])

    assert "names an encoding that cannot be read" in str(caught.value)
    assert (caught.value.file, caught.value.line) == (FILE, 1)
