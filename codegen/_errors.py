"""The errors a bad spec, a bad docs page or a bad OpenAPI file produce."""

from __future__ import annotations


class SpecError(Exception):
    """A spec file is malformed. ``str()`` reads ``spec/report_run.yaml:42: fields[3].type: ...``."""

    def __init__(self, file: str, line: int | None, key: str, message: str) -> None:
        self.file = file
        self.line = line
        self.key = key
        self.message = message
        where = f"{file}:{line}" if line is not None else file
        super().__init__(f"{where}: {key}: {message}" if key else f"{where}: {message}")


class SpecErrors(SpecError):
    """Several spec errors at once; the first one is the headline."""

    def __init__(self, errors: list[SpecError]) -> None:
        first = errors[0]
        super().__init__(first.file, first.line, first.key, first.message)
        self.errors = errors

    def __str__(self) -> str:
        return "\n".join(str(SpecError(e.file, e.line, e.key, e.message)) for e in self.errors)


class SourceError(Exception):
    """A docs source (a saved page, an OpenAPI file) cannot be read. ``str()`` reads
    ``report-runs.txt:42: <what is wrong>``."""

    def __init__(self, file: str, line: int | None, message: str) -> None:
        self.file = file
        self.line = line
        self.message = message
        where = f"{file}:{line}" if line is not None else file
        super().__init__(f"{where}: {message}")
