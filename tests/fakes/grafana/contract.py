"""The Grafana contract the fake enforces, read in place from `<repo>/../shared/specs/grafana`.

Corrections applied to the published spec (notes/grafana.md §0 and §2):
  1. `GET /api/health` is missing from the spec; added by hand.
  2. `postDashboardResponse` requires `title`, which Grafana never sends; dropped, and `slug` added.
Three more spec defects found while building the fake (real Grafana answers differ from the spec):
  3. `DashboardFullWithMeta.dashboard` refers to a legacy `Dashboard` definition with `panels` and
     `links` typed as objects; Grafana returns the classic model, so that member is checked against
     the foundation-sdk dashboard schema instead.
  4. `FrameColumn` allows numbers only; table frames carry strings, booleans and nulls too.
  5. `POST /ds/query` answers 400 with the usual `{results: ...}` body (the failing query's `error`
     inside, notes §1.2), not an ErrorResponseBody.
Saved dashboards are checked against `foundation-sdk-jsonschema/dashboard.jsonschema.json`, and each
panel's `options` / `fieldConfig.defaults.custom` against its plugin schema with `required` removed
(Grafana fills CUE defaults at load, notes §3).
"""

from __future__ import annotations

import copy
import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema

SPEC_FILE = "grafana-bot-subset.openapi3.json"
DASHBOARD_SCHEMA = "foundation-sdk-jsonschema/dashboard.jsonschema.json"
PANEL_TYPES = ("stat", "table", "barchart", "bargauge", "histogram", "timeseries")
MAX_ERRORS = 5


def default_spec_dir() -> Path:
    """`<repo>/../shared/specs/grafana`, where the shared specs live next to the repo."""
    repo = Path(__file__).resolve().parents[3]
    return repo.parent / "shared" / "specs" / "grafana"


def specs_available(spec_dir: Path | None = None) -> bool:
    spec_dir = spec_dir or default_spec_dir()
    return (spec_dir / SPEC_FILE).is_file() and (spec_dir / DASHBOARD_SCHEMA).is_file()


HEALTH_SCHEMA = {
    "type": "object",
    "required": ["database"],
    "properties": {
        "database": {"type": "string"},
        "version": {"type": "string"},
        "commit": {"type": "string"},
        "enterpriseCommit": {"type": "string"},
    },
}


def _strip_required(node: Any) -> Any:
    if isinstance(node, dict):
        return {key: _strip_required(value) for key, value in node.items() if key != "required"}
    if isinstance(node, list):
        return [_strip_required(item) for item in node]
    return node


def _deepest(error: jsonschema.ValidationError) -> jsonschema.ValidationError:
    """For oneOf/anyOf failures, the sub-error that says what is actually wrong."""
    while error.context:
        branches: dict[Any, list[jsonschema.ValidationError]] = {}
        for sub in error.context:
            branches.setdefault(sub.relative_schema_path[0], []).append(sub)
        # The branch that almost matched (fewest errors) is the one the author meant.
        closest = min(branches.values(), key=len)
        error = max(closest, key=lambda e: len(e.absolute_path))
    return error


def _errors(validator: jsonschema.protocols.Validator, instance: Any, where: str) -> list[str]:
    found = sorted(validator.iter_errors(instance), key=lambda e: list(map(str, e.absolute_path)))[:MAX_ERRORS]
    problems = []
    for error in map(_deepest, found):
        problems.append(f"{where}: {'/'.join(map(str, error.absolute_path)) or '<root>'}: {error.message[:300]}")
    return problems


@dataclass
class Operation:
    method: str
    template: str
    pattern: re.Pattern[str]
    spec: dict[str, Any]


class GrafanaContract:
    """Validates requests, responses and dashboards; every method returns a list of violations."""

    def __init__(self, spec_dir: Path) -> None:
        spec = json.loads((spec_dir / SPEC_FILE).read_text())
        self._patch(spec)
        self._root = {"components": spec["components"]}
        self._operations: list[Operation] = []
        for template, item in spec["paths"].items():
            regex = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
            for method, operation in item.items():
                if isinstance(operation, dict) and "responses" in operation:
                    compiled = re.compile(f"^/api{regex}$")
                    self._operations.append(Operation(method.upper(), template, compiled, operation))
        dashboard = json.loads((spec_dir / DASHBOARD_SCHEMA).read_text())
        self._dashboard = jsonschema.Draft7Validator(dashboard)
        self._panel_options: dict[str, jsonschema.protocols.Validator] = {}
        self._panel_custom: dict[str, jsonschema.protocols.Validator] = {}
        for panel_type in PANEL_TYPES:
            path = spec_dir / "foundation-sdk-jsonschema" / f"{panel_type}.jsonschema.json"
            if not path.is_file():
                continue
            definitions = _strip_required(json.loads(path.read_text())["definitions"])
            self._panel_options[panel_type] = jsonschema.Draft7Validator(
                {"$ref": "#/definitions/Options", "definitions": definitions}
            )
            if "FieldConfig" in definitions:
                self._panel_custom[panel_type] = jsonschema.Draft7Validator(
                    {"$ref": "#/definitions/FieldConfig", "definitions": definitions}
                )

    @staticmethod
    def _patch(spec: dict[str, Any]) -> None:
        spec["paths"]["/health"] = {
            "get": {
                "operationId": "getHealth",
                "responses": {
                    code: {"description": "health", "content": {"application/json": {"schema": HEALTH_SCHEMA}}}
                    for code in ("200", "503")
                },
            }
        }
        post = spec["components"]["responses"]["postDashboardResponse"]["content"]["application/json"]["schema"]
        post["required"] = [name for name in post["required"] if name != "title"]
        post["properties"]["slug"] = {"type": "string"}
        schemas = spec["components"]["schemas"]
        schemas["DashboardFullWithMeta"]["properties"]["dashboard"] = {"type": "object"}
        schemas["FrameColumn"] = {"type": "array"}
        query = spec["paths"]["/ds/query"]["post"]["responses"]
        query["400"] = query["200"]

    def operation(self, method: str, path: str) -> Operation | None:
        return next((op for op in self._operations if op.method == method and op.pattern.match(path)), None)

    def _validator(self, schema: dict[str, Any]) -> jsonschema.protocols.Validator:
        # Draft 4 is the closest JSON Schema dialect to OAS 3.0 schema objects.
        return jsonschema.Draft4Validator({**schema, "components": self._root["components"]})

    def check_request(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> list[str]:
        operation = self.operation(method, path)
        if operation is None:
            return []
        problems = self._check_query(operation, query)
        content = operation.spec.get("requestBody", {}).get("content", {}).get("application/json")
        if content is not None and body is not None:
            problems += _errors(self._validator(content["schema"]), body, f"request {method} {operation.template}")
        return problems

    def _check_query(self, operation: Operation, query: dict[str, list[str]]) -> list[str]:
        problems = []
        for parameter in operation.spec.get("parameters", []):
            if parameter.get("in") != "query" or parameter["name"] not in query:
                continue
            schema = parameter.get("schema", {})
            item_schema = schema.get("items", {}) if schema.get("type") == "array" else schema
            for raw in query[parameter["name"]]:
                value: Any = raw
                if item_schema.get("type") == "integer":
                    if not re.fullmatch(r"-?\d+", raw):
                        problems.append(f"query {parameter['name']}={raw!r} is not an integer")
                        continue
                    value = int(raw)
                elif item_schema.get("type") == "boolean":
                    if raw not in ("true", "false"):
                        problems.append(f"query {parameter['name']}={raw!r} is not a boolean")
                    continue
                if "enum" in item_schema and value not in item_schema["enum"]:
                    problems.append(f"query {parameter['name']}={raw!r} not in {item_schema['enum']}")
        return problems

    def check_response(self, method: str, path: str, status: int, body: Any) -> list[str]:
        operation = self.operation(method, path)
        if operation is None:
            return []
        responses = operation.spec["responses"]
        response = responses.get(str(status)) or responses.get("default")
        if response is not None and "$ref" in response:
            response = self._root["components"]["responses"][response["$ref"].rsplit("/", 1)[-1]]
        if response is None:
            if status < 400:
                return [f"response {method} {operation.template}: status {status} is not in the spec"]
            # Errors the spec does not list for this path (e.g. 409 on dashboards/db in newest
            # Grafana) still use ErrorResponseBody, as every Grafana API error does.
            schema: dict[str, Any] = {"$ref": "#/components/schemas/ErrorResponseBody"}
        else:
            content = response.get("content", {}).get("application/json")
            if content is None:
                return []
            schema = content["schema"]
        where = f"response {status} {method} {operation.template}"
        problems = _errors(self._validator(schema), body, where)
        if (
            method == "GET"
            and operation.template == "/dashboards/uid/{uid}"
            and status == 200
            and isinstance(body, dict)
        ):
            problems += self.check_dashboard(body.get("dashboard"))
        return problems

    def check_dashboard(self, dashboard: Any) -> list[str]:
        problems = _errors(self._dashboard, dashboard, "dashboard")
        if not isinstance(dashboard, dict):
            return problems
        for index, panel in enumerate(dashboard.get("panels") or []):
            if not isinstance(panel, dict):
                continue
            kind = panel.get("type")
            where = f"dashboard panel {index} ({kind})"
            options_validator = self._panel_options.get(str(kind))
            if options_validator is not None and "options" in panel:
                problems += _errors(options_validator, panel["options"], f"{where} options")
            custom = ((panel.get("fieldConfig") or {}).get("defaults") or {}).get("custom")
            custom_validator = self._panel_custom.get(str(kind))
            if custom_validator is not None and custom is not None:
                problems += _errors(custom_validator, custom, f"{where} fieldConfig.defaults.custom")
        return problems


@functools.lru_cache(maxsize=4)
def load_contract(spec_dir: Path) -> GrafanaContract:
    """Parsed once per process: the contract is read-only, so fakes can share it."""
    return GrafanaContract(spec_dir)


def strict_panel_validators(spec_dir: Path) -> dict[str, jsonschema.protocols.Validator]:
    """Panel `options` validators that keep `required`: for tests that want every option spelled out."""
    validators: dict[str, jsonschema.protocols.Validator] = {}
    for panel_type in PANEL_TYPES:
        path = spec_dir / "foundation-sdk-jsonschema" / f"{panel_type}.jsonschema.json"
        if path.is_file():
            definitions = copy.deepcopy(json.loads(path.read_text())["definitions"])
            validators[panel_type] = jsonschema.Draft7Validator(
                {"$ref": "#/definitions/Options", "definitions": definitions}
            )
    return validators
