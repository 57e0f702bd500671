#!/usr/bin/env python3
"""Writes Sources/Controller/NPM/Schema/npm-schema.json, the document `GET /npm/api/schema`
answers: Nginx Proxy Manager's published API schema (Tests/Fixtures/npm-schema, NPM a62c2a6d,
MIT) with every `$ref` resolved, as NPM's own `GET /api/schema` answers it, its server being
this controller's `/npm/api`. Run it again when the vendored schema changes; the result is
committed, so building the controller needs no Python.
"""
import json
import os
import shutil
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "Tests", "NPM"))
import npm_schema  # noqa: E402

source = os.path.join(npm_schema.SCHEMA_DIR, "swagger.json")
document = npm_schema.resolved(npm_schema._load(source), source)
document["servers"] = [{"url": "/npm/api"}]
document["info"]["description"] += (
    "\n\nServed by PosternProxy's Nginx Proxy Manager compatibility layer: the same requests and answers, mapped onto"
    " PosternProxy's own resources; what Caddy cannot honour is answered with a 400 in this error shape saying why.")
target = os.path.join(ROOT, "Sources", "Controller", "NPM", "Schema")
with open(os.path.join(target, "npm-schema.json"), "w") as file:
    json.dump(document, file, separators=(",", ":"), sort_keys=True)
    file.write("\n")
shutil.copy(os.path.join(npm_schema.SCHEMA_DIR, "LICENSE"), os.path.join(target, "LICENSE"))
