"""The provider lists: every spec type has its source, the explicit starting sources come
before the implied ones, and deciding which source applies imports nothing heavy. (Asking a
person to choose is the prompt service's: tests/test_prompts.py.)"""

from __future__ import annotations

import subprocess
import sys
from typing import get_args

from aws_login import sources
from aws_login.sso import token_sources


def test_every_start_spec_type_has_exactly_one_resolving_source() -> None:
    assert set(sources.StartSpec.__args__) == {s.spec_type for s in sources.SOURCES}
    assert set(sources._BY_SPEC) == set(sources.StartSpec.__args__)


def test_explicit_sources_come_before_the_implied_ones_and_the_default_chain_is_last() -> None:
    given = [source.given is not None for source in sources.SOURCES]
    assert given == sorted(given, reverse=True)
    assert sources.SOURCES[-1] is sources.profile.DEFAULT_CHAIN


def test_every_token_spec_type_has_exactly_one_source() -> None:
    types = [source.spec_type for source in token_sources.TOKEN_SOURCES]
    assert len(types) == len(set(types))
    assert set(types) == set(token_sources.TokenSpec.__args__)


def test_every_start_and_token_spec_type_has_its_own_label_for_status() -> None:
    kinds = (*get_args(sources.StartSpec), *get_args(token_sources.TokenSpec))
    labels = [kind.__dict__.get("label") for kind in kinds]
    assert all(isinstance(label, str) and label for label in labels), labels
    assert len(set(labels)) == len(kinds) == 13


def test_deciding_the_sources_imports_no_network_xml_or_server_code() -> None:
    # Build a plan from environment keys: every source is asked whether it applies.
    code = (
        "import argparse, io, sys\n"
        "from aws_login.context import Context\n"
        "from aws_login.options import credentials\n"
        "parser = argparse.ArgumentParser()\n"
        "credentials.add_arguments(parser)\n"
        "ctx = Context({'AWS_ACCESS_KEY_ID': 'AKIAX', 'AWS_SECRET_ACCESS_KEY': 's'},\n"
        "              io.StringIO(), io.StringIO(), io.StringIO())\n"
        "credentials.build_plan(parser.parse_args([]), ctx)\n"
        "heavy = ('botocore', 'boto3', 'xml.parsers.expat', 'xml.etree.ElementTree',\n"
        "         'http.server', 'aws_login.saml_assertion', 'aws_login.sso.tokens',\n"
        "         'aws_login.sso.flows', 'aws_login.sso.oidc', 'aws_login.aws')\n"
        "print(sorted(name for name in heavy if name in sys.modules))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout == "[]\n"
