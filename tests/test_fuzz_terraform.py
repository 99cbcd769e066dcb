"""Fuzzing the Terraform state reader: state format 4 and ``terraform show -json``.

Whatever the bytes, the reader returns records the store can hold or raises the
documented InputError naming the file (see ``tests/fuzzing.py``).
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import FIXTURES
from connectors import terraform
from fuzzing import JSON_TOKENS, fuzz, json_bytes, json_values, mutated_bytes, mutated_tree, parse_or_refuse, vocabulary
from sovmap.errors import InputError

FILE = "prod.tfstate"
STATE = (FIXTURES / "terraform" / "customs-prod.tfstate").read_bytes()
SHOW = (FIXTURES / "terraform" / "show.json").read_bytes()
STATE_DOC, SHOW_DOC = json.loads(STATE), json.loads(SHOW)
KEYS = tuple(sorted(set(vocabulary(STATE_DOC)[0] + vocabulary(SHOW_DOC)[0] + ("attributes_flat", "deposed", "deposed_key",
                                                                          "index_key", "child_modules", "tags.%"))))
STRINGS = tuple(sorted(set(vocabulary(STATE_DOC)[1] + vocabulary(SHOW_DOC)[1] + (
    "managed", "data", "module.app", 'module.app["x"].module.db', "module.", 'provider["x"]', "aws_s3_bucket",
    "google_storage_bucket", "azurerm_storage_account", "openstack_compute_instance_v2", "arn:aws:s3:::b", "eu-west-1a",
    "tags", "Name=x", "=x", "a=b"))))
PARAMS = (
    terraform.Params(path=FILE),
    terraform.Params(path=FILE, default_regions={"aws": "eu-west-1", "aws.replica": "eu-central-1"},
                     module_systems={"module.app": "intake", 'module.app["blue"].module.db': "db"}, openstack_provider="ovhcloud"),
)
VALUES = json_values(KEYS, STRINGS)


def _read(content: bytes, params: terraform.Params) -> None:
    parse_or_refuse(lambda: terraform.normalize((FILE, content), params), files={FILE})


@fuzz(200)
@given(st.binary(max_size=300), st.sampled_from(PARAMS))
def test_random_bytes_are_read_or_refused(content, params):
    _read(content, params)


@fuzz(300)
@given(st.one_of(mutated_bytes(STATE, JSON_TOKENS), mutated_bytes(SHOW, JSON_TOKENS)), st.sampled_from(PARAMS))
def test_a_state_with_a_few_bytes_changed_is_read_or_refused(content, params):
    _read(content, params)


@fuzz(400)
@given(mutated_tree(STATE_DOC, VALUES), st.sampled_from(PARAMS))
def test_a_state_with_a_few_entries_changed_is_read_or_refused(doc, params):
    _read(json_bytes(doc), params)


@fuzz(300)
@given(mutated_tree(SHOW_DOC, VALUES), st.sampled_from(PARAMS))
def test_show_json_with_a_few_entries_changed_is_read_or_refused(doc, params):
    _read(json_bytes(doc), params)


@fuzz(200)
@given(VALUES)
def test_any_json_document_is_read_or_refused(doc):
    _read(json_bytes(doc), PARAMS[0])


@pytest.mark.parametrize("text, reason", [
    ('{"version": 4, "serial": ' + "9" * 5000 + "}", "4300 digits"),
    ('{"version": 4, "resources": ' + "[" * 100_000, "nesting too deep"),
    ('{"version": 4, "resources": [{"mode": "managed", "type": "aws_s3_bucket", "name": "b", '
     '"instances": [{"attributes": {"id": "b\\u0000", "region": "eu-west-1"}}]}]}', "NUL"),
    ('{"version": 4, "resources": [{"mode": "managed", "type": "aws_s3_bucket", "name": "b", '
     '"instances": [{"attributes": {"id": "b", "tags": {"k": "\\ud800"}}}]}]}', "surrogate"),
])
def test_hostile_json_gets_a_clear_error(text, reason):
    with pytest.raises(InputError) as caught:
        terraform.normalize((FILE, text.encode()), PARAMS[0])

    assert reason in str(caught.value)
    assert caught.value.file == FILE
