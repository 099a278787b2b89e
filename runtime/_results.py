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
import threading
from collections.abc import Iterator
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from ._download import CHUNK_SIZE, Chunks, Download
from ._errors import DecodeError, ModeError

if TYPE_CHECKING:
    import zipfile

    import pandas

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
        module reads them (a ragged row keeps its extra values under the key None, and its
        missing ones as None); JSON values keep their JSON types."""
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
            raise ModeError(
                'to_pandas() needs pandas, which is an optional extra: pip install "modehal[pandas]"'
            ) from None
        if self.format == "zip":
            return self._only_table().to_pandas()
        if self.format == "json":
            return pandas.DataFrame.from_records(list(self.rows()))
        # Big chunks, read ahead by a thread: pandas parses in C without the GIL while the
        # next chunks arrive and are decompressed (which releases it too).
        chunks = _read_ahead(self.iter_bytes(1 << 20))
        try:
            return pandas.read_csv(_ByteStream(chunks), encoding="utf-8-sig")
        except (pandas.errors.ParserError, pandas.errors.EmptyDataError, UnicodeDecodeError) as exc:
            raise DecodeError(self.url, f"the CSV cannot be read: {exc}") from None
        finally:
            chunks.close()  # type: ignore[attr-defined]  # stops the read-ahead thread

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


_END = object()
MAX_JSON_ROW = 16 * 1024 * 1024  # characters: a longer row is a malformed body, not a row
MAX_CSV_CELL = 16 * 1024 * 1024


def _read_ahead(chunks: Iterator[bytes], depth: int = 4) -> Iterator[bytes]:
    """``chunks``, produced by a thread of its own up to ``depth`` chunks ahead of the reader
    (so memory stays bounded); its error, if any, is raised to the reader."""
    import queue

    ready: queue.Queue[object] = queue.Queue(depth)
    stop = threading.Event()

    def offer(item: object) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for chunk in chunks:
                if not offer(chunk):
                    return
            offer(_END)
        except BaseException as error:  # handed to the reader, raised there
            offer(error)
        finally:
            chunks.close()  # type: ignore[attr-defined]

    threading.Thread(target=produce, name="modehal-read-ahead", daemon=True).start()
    try:
        while True:
            item = ready.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]
    finally:
        stop.set()


def _csv_rows(results: Results) -> Iterator[dict[str, Any]]:
    import csv

    # the csv module refuses cells over 128 KiB by default; pandas reads them, so do we
    csv.field_size_limit(max(csv.field_size_limit(), MAX_CSV_CELL))

    text = io.TextIOWrapper(
        io.BufferedReader(_ByteStream(results.iter_bytes()), CHUNK_SIZE),
        encoding="utf-8-sig",
        newline="",
    )
    try:
        for row in csv.DictReader(text):
            yield dict(row)
    except (csv.Error, UnicodeDecodeError) as exc:
        raise DecodeError(results.url, f"the CSV cannot be read: {exc}") from None


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
            except (ValueError, RecursionError) as exc:  # an integer of 5,000 digits, say
                raise DecodeError(url, f"a JSON row cannot be read: {exc}") from None
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
    tables: dict[str, Results] = {}
    for member in archive.infolist():
        if member.is_dir():
            continue
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
        tables[name] = Results(
            _member_chunks(archive, member),
            url=f"{results.url}#{member.filename}",
            content_type="application/json" if path.suffix == ".json" else "text/csv",
            filename=path.name,
            size=member.file_size,
        )
    return tables


def _member_chunks(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> Chunks:
    def chunks(chunk_size: int) -> Iterator[bytes]:
        try:
            with archive.open(member) as stream:
                while chunk := stream.read(chunk_size):
                    yield chunk
        except Exception as exc:  # corrupt, encrypted, an unknown compression: all the same here
            raise DecodeError(member.filename, f"the zip member cannot be read: {exc}") from None

    return chunks


class _ByteStream(io.RawIOBase):
    """A file-like view of an iterator of byte chunks, for ``csv`` and pandas."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._pending = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._pending = memoryview(chunk)
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]  # a view: no copy of the rest
        return size

    def read(self, size: int | None = -1) -> bytes:
        # What is pending, straight from the chunk (RawIOBase.read would copy it twice).
        if size is None or size < 0:
            return self.readall()
        while not self._pending:
            chunk = next(self._chunks, None)
            if chunk is None:
                return b""
            self._pending = memoryview(chunk)
        piece, self._pending = self._pending[:size], self._pending[size:]
        return bytes(piece)
