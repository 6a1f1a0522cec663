"""The OpenAPI document: valid 3.1, served as written, covering every route, and true of the
live API when schemathesis fuzzes each operation (no 5xx; every response as documented)."""

import os

import pytest
import schemathesis
from django.test import Client
from django.urls import get_resolver
from hypothesis import HealthCheck, given, strategies
from hypothesis import settings as hypothesis_settings
from openapi_spec_validator import validate
from schemathesis import GenerationMode
from schemathesis.config import SchemathesisConfig

from incidents.api.openapi import openapi_document
from incidents.models import ApiToken

OPERATIONS = [
    ("/stories", "GET"),
    ("/stories", "POST"),
    ("/stories/{slug}", "GET"),
    ("/stories/{slug}", "PATCH"),
    ("/stories/{slug}/updates", "POST"),
    ("/stories/{slug}/updates/{number}", "PATCH"),
    ("/stories/{slug}/updates/{number}", "DELETE"),
    ("/stories/{slug}/drafts/{pk}", "DELETE"),
    ("/stories/{slug}/drafts/{pk}/publish", "POST"),
    ("/stories/{slug}/contributors", "GET"),
    ("/stories/{slug}/contributors", "POST"),
    ("/stories/{slug}/contributors/{username}", "PATCH"),
    ("/stories/{slug}/contributors/{username}", "DELETE"),
    ("/pictures", "POST"),
    ("/openapi.json", "GET"),
]
# Bounded so the suite stays quick on two cores; raise it for a deeper hunt, e.g.
# API_FUZZ_EXAMPLES=300 pytest tests/test_api_openapi.py
EXAMPLES_PER_OPERATION = int(os.environ.get("API_FUZZ_EXAMPLES", "30"))
# A body over 64 KB is refused with 413 before its fields are read, whether or not they are valid
# (a 50,000-character update of control characters is 300 KB once escaped in JSON).
FUZZ_CONFIG = {
    "checks": {
        "positive_data_acceptance": {
            "expected-statuses": ["2xx", "401", "403", "404", "409", "413", "429"]
        },
        "negative_data_rejection": {
            "expected-statuses": ["400", "401", "403", "404", "405", "409", "413", "415", "429"]
        },
    }
}


def _sent_as_generated(case) -> bool:
    """requests drops a query parameter whose value is None or an empty list, dict or tuple, so
    a "negative" case made of one unknown parameter with such a value would reach the server as
    a valid request."""
    return not any(
        value is None or (isinstance(value, list | dict | tuple) and not value)
        for value in (case.query or {}).values()
    )


def test_document_is_valid_openapi_3_1():
    document = openapi_document()

    validate(document)
    assert document["openapi"] == "3.1.0"


def test_document_is_served_as_written(db):
    response = Client().get("/api/v1/openapi.json")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == openapi_document()


def test_document_describes_every_route_and_method():
    documented = {
        (path, method.upper())
        for path, item in openapi_document()["paths"].items()
        for method in item
        if method != "parameters"
    }
    assert documented == set(OPERATIONS)
    resolver = get_resolver()
    api_routes = {
        str(pattern.pattern)
        for pattern in resolver.url_patterns
        if str(pattern.pattern) == "api/v1/"
        for pattern in pattern.url_patterns
    }
    names = {"<slug:slug>": "{slug}", "<int:number>": "{number}", "<int:pk>": "{pk}"}
    names["<str:username>"] = "{username}"
    routes = set()
    for route in api_routes:
        for converter, name in names.items():
            route = route.replace(converter, name)
        routes.add(route)
    assert {path for path, _ in OPERATIONS} == {"/" + r for r in routes if not r.startswith("^")}


def test_every_error_status_is_documented_for_writes():
    operation = openapi_document()["paths"]["/stories/{slug}/updates/{number}"]["patch"]

    assert set(operation["responses"]) >= {
        "200",
        "400",
        "401",
        "403",
        "404",
        "409",
        "413",
        "415",
        "429",
    }


# An upload's `file` is a picture, which no schema can describe: a schema-valid string is almost
# never an image, and is refused (400, on the field). tests/test_pictures_outputs.py covers it.
FUZZED = [operation for operation in OPERATIONS if operation != ("/pictures", "POST")]


@pytest.mark.parametrize(("path", "method"), FUZZED, ids=[f"{m} {p}" for p, m in FUZZED])
def test_live_api_matches_its_document_under_fuzzing(
    live_server, editor, reporter, story, path, method
):
    story.publish_update("The first update, for the fuzzer to edit and retract.", by=editor)
    draft = story.save_draft("A draft, for the fuzzer to publish or discard.", by=editor)
    _, raw = ApiToken.issue(editor, name="schemathesis")
    schema = schemathesis.openapi.from_dict(
        openapi_document(), config=SchemathesisConfig.from_dict(FUZZ_CONFIG)
    )
    operation = schema[path][method]
    known = {"slug": story.slug, "number": 1, "pk": draft.pk, "username": reporter.username}
    fixed = {name: known[name] for name in known if "{" + name + "}" in path}
    cases = strategies.one_of(
        operation.as_strategy(GenerationMode.POSITIVE, path_parameters=fixed or None),
        operation.as_strategy(GenerationMode.NEGATIVE, path_parameters=fixed or None),
        operation.as_strategy(GenerationMode.POSITIVE),
    ).filter(_sent_as_generated)
    base_url = f"{live_server.url}/api/v1"

    @given(case=cases)
    @hypothesis_settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case):
        case.call_and_validate(base_url=base_url, headers={"Authorization": f"Bearer {raw}"})

    check()
