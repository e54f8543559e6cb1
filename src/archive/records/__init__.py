"""New records: a draft TEI record in the archive's practice from a spreadsheet of people."""

from archive.records.draft import RecordInputs, build_record
from archive.records.matching import KnownEntities
from archive.records.new import NewRecord, new_record
from archive.records.people import PersonRow, read_people

__all__ = [
    "KnownEntities",
    "NewRecord",
    "PersonRow",
    "RecordInputs",
    "build_record",
    "new_record",
    "read_people",
]
