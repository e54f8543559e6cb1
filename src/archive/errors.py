"""Named exceptions: callers catch what they can handle, the CLI turns the rest into exit codes."""


class ArchiveError(Exception):
    """Base class for every error the toolkit raises on purpose."""


class UsageError(ArchiveError):
    """The caller asked for something impossible (bad option, missing path): exit code 2."""


class UnsafeInput(ArchiveError):
    """Input refused before parsing: too large, entity declarations, external entities."""

    def __init__(self, message: str, rule: str, line: int | None = None) -> None:
        super().__init__(message)
        self.rule = rule
        self.line = line


class NotWellFormed(ArchiveError):
    """Input that is not XML, with the parser's line and column."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


class StoreError(ArchiveError):
    """A store operation failed; the store is left as it was before the operation."""


class StoreUnavailable(StoreError):
    """The server could not be reached (refused, timed out) after every retry."""


class StoreNeedsRepair(StoreError):
    """The store is not in a state to answer from (an interrupted load or rebuild, an older
    format): a reading command refuses and says what to run; a writing one repairs it first."""


class UpdateOutcomeUnknown(StoreError):
    """The update was sent but no answer came back: it may or may not have been applied."""


class QueryError(ArchiveError):
    """A SPARQL query could not be parsed or run, with its position when known."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


class OaiError(ArchiveError):
    """An OAI-PMH request the protocol answers with an error condition (``code`` is one of the
    protocol's: badArgument, badVerb, badResumptionToken, cannotDisseminateFormat,
    idDoesNotExist, noRecordsMatch, noMetadataFormats, noSetHierarchy). An answer, not a
    failure: the provider writes it as an ``<error>`` element with HTTP 200."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class DepositError(ArchiveError):
    """A package could not be written; nothing half-written is left behind."""


class SchemaUnavailable(ArchiveError):
    """A schema (TEI, METS, XLink) could not be found or compiled: the check cannot run."""


class PackageUnreadable(ArchiveError):
    """The path is not a package that can be opened at all (exit code 2, not a finding)."""


class MemberUnreadable(ArchiveError):
    """A member of a package cannot be read (corrupt data, bad CRC, encrypted, unsupported)."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name} cannot be read: {reason}")
        self.name = name
        self.reason = reason


class ShapesError(ArchiveError):
    """A shapes graph that is not valid SHACL (or not RDF at all): the file and line when known,
    so that whoever wrote the shapes can find the mistake (exit code 2)."""

    def __init__(self, message: str, file: str | None = None, line: int | None = None) -> None:
        where = f"{file}:{line}: " if file and line else f"{file}: " if file else ""
        super().__init__(where + message)
        self.problem = message
        self.file = file
        self.line = line


class UnsupportedShapes(ShapesError):
    """Kept for callers of earlier versions: the engine no longer refuses valid SHACL."""


class RecordInputError(ArchiveError):
    """The inputs of a new record (its spreadsheet of people) are malformed; each problem says
    where (file, row, column). Nothing is written."""

    def __init__(self, problems: list) -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"{len(self.problems)} problem(s); nothing written:\n{lines}")
