"""The triple store: embedded (pyoxigraph) or any SPARQL 1.1 server, behind one interface.

``open_store`` picks the backend; ``ingest`` is the load pipeline (validate, extract, load);
saved queries, result formats and the VoID/DCAT description live beside them.
"""

from archive.store.base import Outcome, QueryResult, Store
from archive.store.describe import describe
from archive.store.factory import default_store_path, open_store
from archive.store.ingest import IngestReport, ingest
from archive.store.queries import saved_queries

__all__ = [
    "IngestReport",
    "Outcome",
    "QueryResult",
    "Store",
    "default_store_path",
    "describe",
    "ingest",
    "open_store",
    "saved_queries",
]
