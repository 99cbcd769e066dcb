"""Reading the Open Group ArchiMate Model Exchange File Format (3.x) with defusedxml.

The file is parsed as a stream (SAX) so that every element keeps its line. Only
``defusedxml`` touches the bytes: a document type declaration, an entity declaration or
an external reference is refused before anything is expanded, with the line it is on.
Read: the model's name and properties, ``elements/element`` (``identifier``,
``xsi:type``, ``name``, ``documentation``, ``properties/property``),
``relationships/relationship`` (``source``, ``target``, ``accessType``) and
``propertyDefinitions`` (the names of the properties). Views and organisations are
skipped.
"""

from __future__ import annotations

import io
from xml.sax import SAXParseException
from xml.sax.handler import ContentHandler, feature_namespaces

from defusedxml.common import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.expatreader import create_parser

from connectors.archimate_model import ArchiElement, ArchiModel, ArchiProperty, ArchiRelation
from sovmap.errors import InputError

__all__ = ["MAX_DEPTH", "NAMESPACE_PREFIX", "parse_exchange"]

NAMESPACE_PREFIX = "http://www.opengroup.org/xsd/archimate/"
_XSI = "http://www.w3.org/2001/XMLSchema-instance"
_XML = "http://www.w3.org/XML/1998/namespace"
#: Exchange files nest about eight levels deep (views a few more); far deeper is no model.
MAX_DEPTH = 256


class _Handler(ContentHandler):
    def __init__(self, file: str, language: str | None) -> None:
        super().__init__()
        self.file = file
        self.language = language
        self.model = ArchiModel(file=file)
        self.path: list[str] = []
        self.text: list[str] | None = None
        self.text_lang: str | None = None
        self.current: ArchiElement | ArchiRelation | None = None
        self.prop: ArchiProperty | None = None
        self.prop_defs: dict[str, str] = {}
        self.prop_def: str | None = None
        self.names: dict[int, list[tuple[str | None, str]]] = {}
        self._locator = None

    def setDocumentLocator(self, locator) -> None:  # noqa: N802 - SAX API
        self._locator = locator

    @property
    def line(self) -> int | None:
        return self._locator.getLineNumber() if self._locator is not None else None

    def fail(self, message: str) -> InputError:
        return InputError(message, file=self.file, line=self.line)

    def startElementNS(self, name, qname, attrs) -> None:  # noqa: N802 - SAX API
        uri, local = name
        if not self.path:
            if local == "model" and (uri or "").rstrip("/") == NAMESPACE_PREFIX.rstrip("/"):
                raise self.fail("this is the 2.x exchange format; export the model in the 3.x exchange format")
            if local != "model" or not (uri or "").startswith(NAMESPACE_PREFIX):
                raise self.fail(f"not an ArchiMate exchange file: the root is <{local}> in namespace "
                                f"'{uri or 'none'}', expected <model> in {NAMESPACE_PREFIX}3.0/")
        self.path.append(local)
        if len(self.path) > MAX_DEPTH:
            raise self.fail(f"elements nested more than {MAX_DEPTH} deep; this is no exchange file")
        where = "/".join(self.path)
        get = lambda key: attrs.get((None, key))  # noqa: E731
        if where == "model/elements/element":
            ident, type_ = get("identifier"), _local_type(attrs.get((_XSI, "type")))
            if not ident or not type_:
                raise self.fail("an element without 'identifier' or 'xsi:type'")
            self.current = ArchiElement(ident, type_, None, file=self.file, line=self.line)
            self.names[id(self.current)] = []
        elif where == "model/relationships/relationship":
            ident, type_ = get("identifier"), _local_type(attrs.get((_XSI, "type")))
            source, target = get("source"), get("target")
            if not ident or not type_ or not source or not target:
                raise self.fail("a relationship without 'identifier', 'xsi:type', 'source' or 'target'")
            self.current = ArchiRelation(ident, type_, source, target, access_type=get("accessType"),
                                         file=self.file, line=self.line)
            self.names[id(self.current)] = []
        elif local == "property" and self.path[-2] == "properties":
            ref = get("propertyDefinitionRef") or get("identifierref")
            if not ref:
                raise self.fail("a property without 'propertyDefinitionRef'")
            self.prop = ArchiProperty(ref, None, self.line, self.file)
        elif where == "model/propertyDefinitions/propertyDefinition":
            self.prop_def = get("identifier")
            if not self.prop_def:
                raise self.fail("a propertyDefinition without 'identifier'")
        elif local in ("name", "documentation", "value") and self._captures(local):
            self.text = []
            self.text_lang = attrs.get((_XML, "lang"))

    def _captures(self, local: str) -> bool:
        parent = self.path[-2] if len(self.path) > 1 else None
        if local == "value":
            return self.prop is not None
        if parent in ("element", "relationship") and self.current is not None:
            return True
        if parent == "propertyDefinition" and local == "name":
            return self.prop_def is not None
        return parent == "model" and len(self.path) == 2 and local == "name"

    def characters(self, content: str) -> None:
        if self.text is not None:
            self.text.append(content)

    def endElementNS(self, name, qname) -> None:  # noqa: N802 - SAX API
        local = name[1]
        where = "/".join(self.path)
        if self.text is not None and local in ("name", "documentation", "value"):
            text = "".join(self.text).strip() or None
            self.text = None
            parent = self.path[-2]
            if local == "value" and self.prop is not None:
                if self.prop.value is None or self._preferred(self.text_lang):
                    self.prop.value = text
            elif parent in ("element", "relationship") and self.current is not None and text is not None:
                if local == "name":
                    self.names[id(self.current)].append((self.text_lang, text))
                elif isinstance(self.current, ArchiElement) and self.current.documentation is None:
                    self.current.documentation = text
            elif parent == "propertyDefinition" and self.prop_def is not None and text is not None:
                self.prop_defs.setdefault(self.prop_def, text)
            elif parent == "model" and text is not None and self.model.name is None:
                self.model.name = text
        elif local == "property" and self.prop is not None:
            if self.path[:2] == ["model", "properties"] and len(self.path) == 3:
                self.model.properties.append(self.prop)
            elif self.current is not None:
                self.current.properties.append(self.prop)
            self.prop = None
        elif where in ("model/elements/element", "model/relationships/relationship") and self.current is not None:
            self.current.name = self._pick(self.names.pop(id(self.current)))
            target = self.model.elements if isinstance(self.current, ArchiElement) else self.model.relations
            target.append(self.current)
            self.current = None
        elif where == "model/propertyDefinitions/propertyDefinition":
            self.prop_def = None
        self.path.pop()

    def _preferred(self, lang: str | None) -> bool:
        return self.language is not None and lang is not None and lang.casefold().startswith(self.language.casefold())

    def _pick(self, names: list[tuple[str | None, str]]) -> str | None:
        for lang, text in names:
            if self._preferred(lang):
                return text
        return names[0][1] if names else None


def _local_type(value: str | None) -> str | None:
    # Some tools write a prefixed type (archimate:Node); the exchange schema has none.
    return value.rpartition(":")[2] if value else None


def parse_exchange(file: str, content: bytes, *, language: str | None = None) -> ArchiModel:
    """Parse an exchange file into an :class:`ArchiModel` (pure: bytes in, model out).

    >>> xml = b'''<?xml version="1.0" encoding="UTF-8"?>
    ... <model xmlns="http://www.opengroup.org/xsd/archimate/3.0/"
    ...        xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" identifier="m">
    ...   <name xml:lang="en">Demo</name>
    ...   <elements>
    ...     <element identifier="e1" xsi:type="Node"><name xml:lang="en">db01</name>
    ...       <properties><property propertyDefinitionRef="p1"><value xml:lang="en">aws</value></property></properties>
    ...     </element>
    ...   </elements>
    ...   <propertyDefinitions><propertyDefinition identifier="p1" type="string"><name>provider</name></propertyDefinition></propertyDefinitions>
    ... </model>'''
    >>> m = parse_exchange("demo.xml", xml)
    >>> m.name, [(e.identifier, e.type, e.name, e.line) for e in m.elements]
    ('Demo', [('e1', 'Node', 'db01', 6)])
    >>> [(p.key, p.value) for p in m.elements[0].properties]
    [('provider', 'aws')]
    """
    if not content.strip():
        raise InputError("the file is empty", file=file)
    handler = _Handler(file, language)
    parser = create_parser(forbid_dtd=True, forbid_entities=True, forbid_external=True)
    parser.setFeature(feature_namespaces, True)
    parser.setContentHandler(handler)
    try:
        parser.parse(io.BytesIO(content))
    except SAXParseException as exc:
        raise InputError(f"not well-formed XML: {exc.getMessage()}", file=file, line=exc.getLineNumber()) from None
    except DTDForbidden:
        raise InputError("a document type declaration (<!DOCTYPE>) is refused: the exchange format has none, "
                         "and DTDs can expand entities", file=file, line=handler.line) from None
    except EntitiesForbidden as exc:
        raise InputError(f"an entity declaration ('{exc.name}') is refused: entity expansion is not read",
                         file=file, line=handler.line) from None
    except ExternalReferenceForbidden:
        raise InputError("a reference to an external entity is refused", file=file, line=handler.line) from None
    except (LookupError, ValueError) as exc:
        # expat asks Python's codecs for an encoding it does not know itself: an unknown name
        # (LookupError), a codec that is no text encoding or that expat cannot use (ValueError).
        raise InputError(f"the XML declaration names an encoding that cannot be read ({exc}); save the file as UTF-8",
                         file=file, line=1) from None
    for item in [*handler.model.elements, *handler.model.relations, handler.model]:
        for prop in item.properties:
            if prop.key in handler.prop_defs:
                prop.key = handler.prop_defs[prop.key]
            else:
                raise InputError(f"a property refers to the undefined propertyDefinition '{prop.key}'",
                                 file=file, line=prop.line)
    return handler.model
