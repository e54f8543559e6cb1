"""OAI-PMH 2.0: the archive's documents for harvesters (digital libraries, aggregators).

``Provider(store, index).respond(args, base_url)`` answers one request; ``ROUTES`` (in
:mod:`archive.oai.routes`) serves it at ``/oai`` in the web application. See docs/oai.md.
"""

from archive.oai.formats import FORMATS, MetadataFormat
from archive.oai.protocol import Provider, ProviderSettings

__all__ = ["FORMATS", "MetadataFormat", "Provider", "ProviderSettings"]
