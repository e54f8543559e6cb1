"""Run eark-validator (in its own venv: ``.venv/eark``) on one package, offline; print JSON.

eark-validator 1.1.3 builds its Schematron vocabulary tests at import time by fetching the CSIP
vocabularies from earkcsip.dilcis.eu, although the same files ship inside the package
(``eark_validator/ipxml/resources/vocabs``). Those fetches are answered here from the shipped
copies; any other network access fails. Everything else is the validator as published: the CSIP
structure check, the METS schema check and the CSIP and SIP Schematron rules.

    .venv/eark/bin/python tests/tools/eark_offline.py PACKAGE
"""

import io
import sys
import urllib.request
from pathlib import Path


def _offline_urlopen(url, *args, **kwargs):
    from eark_validator.ipxml.resources import vocabs
    from importlib_resources import files

    name = str(url).rsplit("/", 1)[-1]
    local = Path(str(files(vocabs).joinpath(name)))
    if not str(url).startswith("https://earkcsip.dilcis.eu/schema/") or not local.is_file():
        raise OSError(f"offline: {url} is not fetched")
    return io.BytesIO(local.read_bytes())


urllib.request.urlopen = _offline_urlopen

from eark_validator.packages import PackageValidator  # noqa: E402

report = PackageValidator(Path(sys.argv[1])).validation_report
print(report.model_dump_json())
