"""Nginx Proxy Manager's published API schema (Tests/Fixtures/npm-schema), its `$ref`s resolved,
for checking answers with jsonschema and replaying NPM's documented request examples."""
import json
import os

import jsonschema

SCHEMA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Fixtures", "npm-schema")


def _load(path, cache={}):
    path = os.path.normpath(path)
    if path not in cache:
        with open(path) as file:
            cache[path] = json.load(file)
    return cache[path]


def _pointer(document, pointer):
    for part in [p for p in pointer.split("/") if p]:
        document = document[part.replace("~1", "/").replace("~0", "~")]
    return document


def resolved(node, base, depth=0):
    """`node` from the file `base` with every `$ref` replaced by what it names."""
    if depth > 40:
        raise ValueError(f"$ref nesting too deep in {base}")
    if isinstance(node, list):
        return [resolved(item, base, depth) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        reference = node["$ref"]
        target, _, pointer = reference.partition("#")
        path = os.path.join(os.path.dirname(base), target) if target else base
        return resolved(_pointer(_load(path), pointer), path, depth + 1)
    # Identifiers of the files a piece came from mean nothing once the pieces are put together.
    return {key: resolved(value, base, depth) for key, value in node.items() if key not in ("$id", "$schema")}


def component(name):
    """components/NAME.json, resolved."""
    path = os.path.join(SCHEMA_DIR, "components", f"{name}.json")
    return resolved(_load(path), path)


def operation(path, method="get"):
    """paths/PATH/METHOD.json, resolved (PATH as in the folder: `nginx/proxy-hosts/hostID`)."""
    file = os.path.join(SCHEMA_DIR, "paths", path, f"{method}.json")
    return resolved(_load(file), file)


def response_schema(path, method, status):
    answer = operation(path, method)["responses"][str(status)]
    return answer["content"]["application/json"]["schema"]


def request_example(path, method="post"):
    return operation(path, method)["requestBody"]["content"]["application/json"]["example"]


def check(instance, schema, what):
    """Raises AssertionError naming `what` and the first violation."""
    validator = jsonschema.Draft202012Validator(schema, format_checker=None)
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.path))
    if errors:
        first = errors[0]
        raise AssertionError(f"{what} does not match NPM's schema at {list(first.path)}: {first.message}")
