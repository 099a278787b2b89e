"""``Results``: a run's or a query run's data, as rows, tables or a DataFrame, streamed.

Mode answers ``content.csv`` with one CSV, or with a zip holding one CSV per query, whatever
the report's query count, and ``content.json`` with an array of row objects. ``tables()``
reads all of these alike; ``rows()`` and ``to_pandas()`` read the one table there is (and
name the tables when there are several). CSV is read with the standard library's ``csv``
module, JSON arrays one element at a time: memory stays flat whatever the body's size. A zip
needs random access, so it is spooled to a temporary file (on disk, not in memory) first.
"""

from __future__ import annotations

import io
import itertools
import json
import os
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from . import _columnar
from ._decode import MAX_DEPTH, too_deep
from ._download import CHUNK_SIZE, Chunks, Download
from ._errors import DecodeError, MissingExtra, ModeError, ResponseTooLarge
from ._streams import ByteStream, read_ahead

if TYPE_CHECKING:
    import zipfile

    import pandas
    import polars

    # pyarrow ships no type information: to mypy its tables are Any
    import pyarrow  # type: ignore[import-untyped, import-not-found, unused-ignore]

# csv, codecs, queue, tempfile and zipfile are imported where rows, JSON, a read-ahead or a
# zip are read: they cost `import modehal` a few milliseconds it does not need.

_CSV = {"text/csv", "application/csv", "text/comma-separated-values"}
_JSON = {"application/json", "text/json"}
_ZIP = {"application/zip", "application/x-zip-compressed", "application/x-zip"}
_HTML = {"text/html", "application/xhtml+xml"}
_BY_EXTENSION = {".csv": "csv", ".json": "json", ".zip": "zip"}


class ResultsFacts:
    """What results are, read from the media type and the file name alike by ``Results``
    and ``AsyncResults``."""

    url: str
    content_type: str
    filename: str

    def _refuse_html(self) -> None:
        if self.content_type in _HTML:
            raise DecodeError(
                self.url, f"an HTML page ({self.content_type}) came where results were expected"
            )

    @property
    def format(self) -> str:
        """``csv``, ``json`` or ``zip``: from the media type, else the file name's extension."""
        if self.content_type in _CSV:
            return "csv"
        if self.content_type in _JSON or self.content_type.endswith("+json"):
            return "json"
        if self.content_type in _ZIP:
            return "zip"
        return _BY_EXTENSION.get(PurePosixPath(self.filename).suffix.lower(), "csv")

    @property
    def name(self) -> str:
        """The table's name: the file name without its extension."""
        return PurePosixPath(self.filename).stem or "results"


class Results(ResultsFacts, Download):
    """A ``Download`` that knows it holds results: ``rows()``, ``tables()``, ``to_pandas()``.

    Each reads the body once, as ``iter_bytes()`` and ``save()`` do.
    """

    def __init__(self, chunks: Chunks, **kwargs: Any) -> None:
        super().__init__(chunks, **kwargs)
        try:
            self._refuse_html()
        except DecodeError:
            self.close()
            raise

    # -- reading ----------------------------------------------------------------------------

    def tables(self) -> dict[str, Results]:
        """One ``Results`` per query, by name, whether Mode sent a zip or a single table."""
        if self.format != "zip":
            return {self.name: self}
        return _zip_tables(self)

    def rows(self) -> Iterator[dict[str, Any]]:
        """Each row as a dict (column → value), streamed. CSV values are strings, as the csv
        module reads them, and rows are those ``to_pandas()`` reads: a short row has None for
        its missing values; a row longer than the header, or a quote never closed, is a
        ``DecodeError`` (see ``_csv_rows``). JSON values keep their JSON types."""
        if self.format == "zip":
            return self._only_table().rows()
        if self.format == "json":
            return _json_rows(self.iter_bytes(), self.url)
        return _csv_rows(self)

    def to_pandas(self) -> pandas.DataFrame:
        """The table as a pandas DataFrame (``pip install "modehal[pandas]"``)."""
        try:
            import pandas
        except ImportError:
            raise MissingExtra("to_pandas()", "pandas", "pandas") from None
        if self.format == "zip":
            return self._only_table().to_pandas()
        if self.format == "json":
            return pandas.DataFrame.from_records(list(self.rows()))
        # Big chunks, read ahead by a thread: pandas parses in C without the GIL while the
        # next chunks arrive and are decompressed (which releases it too).
        chunks = read_ahead(self.iter_bytes(1 << 20))
        try:
            with warnings.catch_warnings():
                # index_col=False: a first row one value wider than the header is not "the
                # first column is the index" but values no column holds, which pandas only
                # warns about: an error, as rows() has it
                warnings.simplefilter("error", pandas.errors.ParserWarning)
                return pandas.read_csv(ByteStream(chunks), encoding="utf-8-sig", index_col=False)
        except (
            pandas.errors.ParserError,
            pandas.errors.ParserWarning,
            pandas.errors.EmptyDataError,
            UnicodeDecodeError,
        ) as exc:
            raise DecodeError(self.url, f"the CSV cannot be read: {exc}") from None
        finally:
            chunks.close()  # type: ignore[attr-defined]  # stops the read-ahead thread

    def to_arrow(self) -> pyarrow.Table:
        """The table as a ``pyarrow.Table`` (``pip install "modehal[arrow]"``), parsed by
        pyarrow's streaming CSV reader as the body arrives: each column gets the narrowest type
        holding all its values (int64, float64, bool, date32, timestamp[us], else string);
        empty cells and pandas' null markers are nulls. Rows are those ``rows()`` reads, except
        that a row narrower or wider than the header is a ``DecodeError`` here. JSON results
        take the types of their values."""
        return self._arrow("to_arrow()", "arrow")

    def to_polars(self) -> polars.DataFrame:
        """The table as a ``polars.DataFrame`` (``pip install "modehal[polars]"``): the Arrow
        table ``to_arrow()`` reads, handed to polars without copying what it can share."""
        _columnar.require("polars", "to_polars()", "polars")  # before the body is read
        frame: polars.DataFrame = _columnar.polars_frame(self._arrow("to_polars()", "polars"))
        return frame

    def save(
        self, path: str | os.PathLike[str], *, progress: Callable[[int], object] | None = None
    ) -> Path:
        """As ``Download.save``; a path ending in ``.parquet`` gets the table ``to_arrow()``
        reads, written as Parquet (whole or not at all too); ``progress`` then counts the
        body's bytes as they are read."""
        target = Path(path)
        if target.suffix.lower() != ".parquet" or target.is_dir():
            return super().save(target, progress=progress)
        return _columnar.write_parquet(lambda: self._arrow(progress=progress), target)

    def _arrow(
        self,
        needed_by: str = 'save("….parquet")',
        extra: str = "arrow",
        progress: Callable[[int], object] | None = None,
    ) -> pyarrow.Table:
        if self.format == "zip":
            return self._only_table()._arrow(needed_by, extra, progress)
        _columnar.require("pyarrow", needed_by, extra)
        chunks = self.iter_bytes(1 << 20)
        if progress is not None:
            chunks = _reported(chunks, progress)
        if self.format == "json":
            return _columnar.rows_table(_json_rows(chunks, self.url), self.url, needed_by, extra)
        return _columnar.csv_table(chunks, self.url, _column_names, needed_by, extra)

    def _only_table(self) -> Results:
        tables = self.tables()
        if len(tables) != 1:
            names = ", ".join(repr(name) for name in tables) or "none"
            for table in tables.values():
                table.close()
            raise ModeError(
                f"{self.url}: these results hold {len(tables)} tables ({names}): read each one "
                "from tables()"
            )
        return next(iter(tables.values()))


MAX_JSON_ROW = 16 * 1024 * 1024  # characters: a longer row is a malformed body, not a row
MAX_CSV_CELL = 16 * 1024 * 1024
MAX_ZIP_MEMBERS = 1_000  # tables in one zip of results: a report has far fewer queries
_TOO_DEEP = f"a JSON row is nested too deeply (more than {MAX_DEPTH} levels)"


def _reported(chunks: Iterator[bytes], progress: Callable[[int], object]) -> Iterator[bytes]:
    for chunk in chunks:
        progress(len(chunk))
        yield chunk


def _csv_rows(results: Results) -> Iterator[dict[str, Any]]:
    """The rows of a CSV, read by the rule ``to_pandas()`` follows too (pandas' C parser):
    blank lines are skipped, a row short of the header's width has None for its missing
    values, an empty value after the last column is a trailing delimiter when the first row
    has one, and column names are those pandas gives (an empty one is ``Unnamed: i``, a
    repeated one ``name.1``, ``name.2``...). A body without a header row, a row with more
    values than the header, and a quoted value still open at the end of the body are
    ``DecodeError``."""
    import csv

    # the csv module refuses cells over 128 KiB by default; pandas reads them, so do we
    csv.field_size_limit(max(csv.field_size_limit(), MAX_CSV_CELL))

    text = io.TextIOWrapper(
        io.BufferedReader(ByteStream(results.iter_bytes()), CHUNK_SIZE),
        encoding="utf-8-sig",
        newline="",
    )
    ended = False
    last = ""

    def lines() -> Iterator[str]:
        # Each line ends with a line break (one is added to the last if it has none), so a
        # record that is complete is returned before the reader asks for the next line: one
        # returned after the end was still inside quotes there.
        nonlocal ended, last
        for last in text:
            yield last if last.endswith(("\n", "\r")) else last + "\n"
        ended = True

    def blank(values: list[str]) -> bool:
        # pandas skips a line of spaces and tabs as it skips an empty one (a quoted " " is a
        # value): the line itself tells them apart
        return not values or len(values) == 1 and not last.strip(" \t\r\n")

    def malformed(problem: str) -> DecodeError:
        return DecodeError(results.url, f"the CSV cannot be read: {problem}")

    reader = csv.reader(lines())
    try:
        header = next((row for row in reader if not blank(row)), None)
        if ended or header is None:
            raise malformed(
                "a quoted value is never closed" if header and ended else "it has no header row"
            )
        names = _column_names(header)
        width = len(names)
        trailing: bool | None = None  # whether rows end with a delimiter: decided by the first
        for values in reader:
            if ended:
                raise malformed(f"a quoted value on line {reader.line_num} is never closed")
            if blank(values):
                continue
            if trailing is None:
                trailing = len(values) == width + 1 and values[-1] == ""
            if trailing and len(values) == width + 1 and values[-1] == "":
                del values[-1]
            if len(values) > width:
                raise malformed(
                    f"line {reader.line_num} has {len(values)} values, the header {width}"
                )
            if len(values) < width:
                values += [None] * (width - len(values))  # type: ignore[list-item]
            yield dict(zip(names, values))
    except (csv.Error, UnicodeDecodeError) as exc:
        raise malformed(str(exc)) from None


def _column_names(header: list[str]) -> list[str]:
    """The header's names as pandas makes them: ``Unnamed: i`` for an empty one, and
    ``name.1``, ``name.2``... for repeats, skipping names the header holds (so that no column
    hides another). The loop is pandas' C parser's (``parsers.pyx``, ``_get_header``)."""
    names = [name or f"Unnamed: {number}" for number, name in enumerate(header)]
    counts: dict[str, int] = {}
    for number, original in enumerate(names):
        name, count = original, counts.get(original, 0)
        while count > 0:
            counts[original] = count + 1
            name = f"{original}.{count}"
            count = count + 1 if name in names else counts.get(name, 0)
        names[number] = name
        counts[name] = count + 1
    return names


def _json_rows(chunks: Iterator[bytes], url: str) -> Iterator[dict[str, Any]]:
    """The objects of a JSON array, one at a time, without holding the whole array."""
    import codecs

    decoder = json.JSONDecoder()
    text = codecs.getincrementaldecoder("utf-8-sig")()
    buffer, position, ended = "", 0, False

    def more() -> bool:
        nonlocal buffer, position, ended
        if ended:
            return False
        chunk = next(chunks, None)
        try:
            if chunk is None:
                ended = True
                buffer = buffer[position:] + text.decode(b"", final=True)
            else:
                buffer = buffer[position:] + text.decode(chunk)
        except UnicodeDecodeError as exc:
            raise DecodeError(url, f"the JSON rows are not UTF-8: {exc.reason}") from None
        position = 0
        return True

    def skip_space() -> str:
        nonlocal position
        while True:
            while position < len(buffer) and buffer[position] in " \t\r\n":
                position += 1
            if position < len(buffer):
                return buffer[position]
            if not more():
                return ""

    if skip_space() != "[":
        raise DecodeError(url, "expected a JSON array of rows")
    position += 1
    if skip_space() == "]":
        return
    while True:
        skip_space()
        while True:
            try:
                row, end = decoder.raw_decode(buffer, position)
                break
            except json.JSONDecodeError as exc:
                # Only a row cut by the end of what has arrived is worth reading more for; a
                # malformed one fails now, not after pulling in the rest of the body.
                cut = exc.pos >= len(buffer) - 8 or exc.msg.startswith("Unterminated string")
                if not cut or len(buffer) - position > MAX_JSON_ROW:
                    raise DecodeError(url, f"a JSON row is malformed: {exc}") from None
                if not more():
                    raise DecodeError(url, f"the JSON rows end mid-way: {exc.msg}") from None
            except ValueError as exc:  # an integer of 5,000 digits, say
                raise DecodeError(url, f"a JSON row cannot be read: {exc}") from None
            except RecursionError:
                raise DecodeError(url, _TOO_DEEP) from None
        if too_deep(row):
            raise DecodeError(url, _TOO_DEEP)
        if not isinstance(row, dict):
            raise DecodeError(url, f"expected rows as JSON objects, got {type(row).__name__}")
        yield row
        position = end
        separator = skip_space()
        if separator == "]":
            return
        if separator != ",":
            raise DecodeError(
                url, f"expected ',' or ']' between rows, got {separator or 'the end'!r}"
            )
        position += 1


def _zip_tables(results: Results) -> dict[str, Results]:
    """The CSVs of a zip, each a ``Results`` streaming from the spooled archive."""
    import tempfile
    import zipfile

    spool = tempfile.TemporaryFile()  # on disk: the archive may be larger than memory
    try:
        for chunk in results.iter_bytes():
            spool.write(chunk)
        spool.seek(0)
        archive = zipfile.ZipFile(spool)
    except ModeError:
        spool.close()
        raise
    except Exception as exc:  # zipfile raises many kinds for a corrupt archive
        spool.close()
        raise DecodeError(results.url, f"the zip cannot be read: {exc}") from None
    members = [member for member in archive.infolist() if not member.is_dir()]
    if len(members) > MAX_ZIP_MEMBERS:
        archive.close()
        spool.close()
        raise DecodeError(
            results.url,
            f"the zip holds {len(members):,} files, more than the {MAX_ZIP_MEMBERS:,} tables "
            "results may have",
        )
    inflated = _Inflated(results.url, results.max_bytes)
    tables: dict[str, Results] = {}
    for member in members:
        path = PurePosixPath(member.filename.replace("\\", "/"))
        if path.is_absolute() or ".." in path.parts or ":" in member.filename:
            archive.close()
            spool.close()
            raise DecodeError(
                results.url, f"the zip holds a member with an unsafe name: {member.filename!r}"
            )
        name = path.stem
        for number in itertools.count(2):  # two members named alike: neither is lost
            if name not in tables:
                break
            name = f"{path.stem} ({number})"
        url = f"{results.url}#{member.filename}"
        tables[name] = Results(
            _member_chunks(archive, member, url, inflated),
            url=url,
            content_type="application/json" if path.suffix == ".json" else "text/csv",
            filename=path.name,
            size=None,  # what the archive declares is not known to be true until read
            max_bytes=results.max_bytes,
        )
    return tables


class _Inflated:
    """What the members read from one zip have inflated to, in all, against its limit."""

    def __init__(self, url: str, limit: int | None) -> None:
        self.url = url
        self.limit = limit
        self.total = 0

    def count(self, size: int) -> None:
        self.total += size
        if self.limit is not None and self.total > self.limit:
            raise ResponseTooLarge("GET", self.url, self.limit)


def _member_chunks(
    archive: zipfile.ZipFile, member: zipfile.ZipInfo, url: str, inflated: _Inflated
) -> Chunks:
    def chunks(chunk_size: int) -> Iterator[bytes]:
        try:
            with archive.open(member) as stream:
                while chunk := stream.read(chunk_size):
                    inflated.count(len(chunk))
                    yield chunk
        except ModeError:
            raise
        except Exception as exc:  # corrupt, encrypted, an unknown compression: all the same here
            raise DecodeError(url, f"the zip member cannot be read: {exc}") from None

    return chunks
