"""Run the RO-Crate validator (``roc-validator``, in its own venv: ``.venv/rocrate``), offline.

The validator resolves the RO-Crate JSON-LD context through its HTTP cache (requests-cache).
This script fills a fresh cache, in a temporary folder, with the RO-Crate 1.2 context the project
ships, for the context's URL, then validates with ``offline=True``: a request the cache cannot
answer fails instead of going to the network. Prints the issues as JSON.

    .venv/rocrate/bin/python tests/tools/rocrate_offline.py CRATE_DIR CONTEXT_FILE SEVERITY
"""

import io
import json
import sys
import tempfile
from pathlib import Path

import requests
import urllib3
from requests_cache import CachedSession
from rocrate_validator import services
from rocrate_validator.models import ValidationSettings

CONTEXT_URL = "https://w3id.org/ro/crate/1.2/context"
crate, context, severity = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]

cache = Path(tempfile.mkdtemp(prefix="roc-cache-")) / "http_cache"
response = requests.Response()
response.status_code = 200
response._content = context.read_bytes()
response.headers["Content-Type"] = "application/ld+json"
response.url = CONTEXT_URL
response.request = requests.Request(
    "GET", CONTEXT_URL, headers={"Accept": "application/ld+json, application/json, */*;q=0.1"}
).prepare()
response.raw = urllib3.HTTPResponse(
    body=io.BytesIO(b""),
    headers=response.headers,
    status=200,
    preload_content=False,
    request_url=CONTEXT_URL,
)
CachedSession(str(cache), expire_after=-1).cache.save_response(response)

settings = ValidationSettings(
    rocrate_uri=str(crate),
    profile_identifier="ro-crate-1.2",
    requirement_severity=severity,
    offline=True,
    cache_path=str(cache),
    cache_max_age=-1,
)
result = services.validate(settings)
issues = [
    {
        "check": issue.check.identifier,
        "severity": issue.severity.name,
        "message": issue.message,
        "entity": issue.violatingEntity,
    }
    for issue in result.get_issues()
]
print(json.dumps({"passed": result.passed(), "issues": issues}))
