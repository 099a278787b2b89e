"""Results as an Arrow table, a Polars DataFrame or a Parquet file (the ``arrow`` and
``polars`` extras, imported on first use).

A CSV body goes through pyarrow's streaming reader (``pyarrow.csv.open_csv``) as it arrives:
pyarrow parses each block on its own threads, and nothing holds the whole body. That reader
infers types from the first block only, then fails on a later block that does not fit (a
column empty for a megabyte and filled after, integers that turn into decimals): so every
column is read as text, and each block is converted here to the narrowest type holding every
value seen so far (``int64``, ``float64``, ``bool``, ``date32``, ``timestamp[us]`` with or
without UTC, else ``string``), earlier blocks widened when a later one needs it.

The rule every reader of a CSV follows (see ``_results._csv_rows``) holds here too, or the
body is a ``DecodeError``: blank lines are skipped, names are pandas', empty values and
pandas' null markers are nulls, a body without a header, a quoted value never closed and text
that is not UTF-8 are errors. One case pyarrow cannot read as the others do is refused rather
than read differently: a row narrower or wider than the header (``rows()`` and ``to_pandas()``
pad a short row, and drop a trailing delimiter).
"""

from __future__ import annotations

import importlib
import io
import itertools
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from ._download import _usual_permissions
from ._errors import DecodeError, MissingExtra
from ._streams import ByteStream

BLOCK_SIZE = (
    1 << 20
)  # bytes pyarrow parses at a time (its default): a bigger block holds more memory, no faster here
HEADER_LIMIT = 16 << 20  # a header row longer than this is not a header
# What pandas reads as a missing value (its STR_NA_VALUES): the same cells are null here.
NULL_VALUES = [
    "",
    "#N/A",
    "#N/A N/A",
    "#NA",
    "-1.#IND",
    "-1.#QNAN",
    "-NaN",
    "-nan",
    "1.#IND",
    "1.#QNAN",
    "<NA>",
    "N/A",
    "NA",
    "NULL",
    "NaN",
    "None",
    "n/a",
    "nan",
    "null",
]


def require(module: str, needed_by: str, extra: str) -> Any:
    """``module``, imported; a ``MissingExtra`` naming the pip command when it is missing."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingExtra(needed_by, extra, module.split(".")[0]) from None


def csv_table(
    chunks: Iterator[bytes],
    url: str,
    column_names: Callable[[list[str]], list[str]],
    needed_by: str = "to_arrow()",
    extra: str = "arrow",
) -> Any:
    """The CSV of ``chunks`` as a ``pyarrow.Table``, read block by block as it arrives."""
    pa = require("pyarrow", needed_by, extra)
    csv = require("pyarrow.csv", needed_by, extra)
    watch = _Watch(chunks)
    header = watch.header()
    if not header:
        raise DecodeError(url, "the CSV cannot be read: it has no header row")
    parse = csv.ParseOptions(newlines_in_values=True, invalid_row_handler=watch.irregular)
    try:
        # the header alone first: its names key the column types of the real read
        names = csv.read_csv(
            pa.py_buffer(header), parse_options=parse, read_options=csv.ReadOptions()
        ).column_names
        reader = csv.open_csv(
            # buffered: pyarrow takes a short read for a block's end. No read-ahead thread:
            # pyarrow reads from a thread of its own already (one more costs twice the CPU)
            io.BufferedReader(ByteStream(watch.chunks()), 1 << 20),
            read_options=csv.ReadOptions(block_size=BLOCK_SIZE),
            parse_options=parse,
            convert_options=csv.ConvertOptions(
                column_types={name: pa.string() for name in names},
                null_values=NULL_VALUES,
                strings_can_be_null=True,
            ),
        )
        columns = [_Column(pa) for _ in names]
        for batch in reader:
            for column, values in zip(columns, batch.columns):
                column.add(values)
    except DecodeError:
        raise
    except Exception as exc:
        if watch.error is not None:  # the body's own (ResponseTooLarge...), wrapped or not
            raise watch.error from None
        if watch.irregular_rows:
            expected, actual, readable = watch.irregular_rows[0]
            # rows() and to_pandas() read a short row, and a trailing delimiter, which
            # pyarrow cannot: said, so that the reader knows where to turn
            hint = " (rows() and to_pandas() can read it)" if readable else ""
            raise DecodeError(
                url,
                f"the CSV cannot be read as a table: a row has {actual} values, the header "
                f"{expected}{hint}",
            ) from None
        if isinstance(exc, (pa.ArrowInvalid, UnicodeDecodeError)):
            raise DecodeError(url, f"the CSV cannot be read: {exc}") from None
        raise
    finally:
        watch.close()  # lets the connection go when the body was not read to its end
    if watch.quotes % 2:
        raise DecodeError(
            url,
            "the CSV cannot be read as a table: it holds an odd number of quote characters (a "
            "quoted value never closed, or a quote inside an unquoted value)",
        )
    return pa.Table.from_arrays(
        [column.finish() for column in columns], names=column_names(list(names))
    )


def rows_table(rows: Iterable[dict[str, Any]], url: str, needed_by: str, extra: str) -> Any:
    """JSON rows as a ``pyarrow.Table`` (types from the values, as pyarrow infers them)."""
    pa = require("pyarrow", needed_by, extra)
    try:
        return pa.Table.from_pylist(list(rows))
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise DecodeError(url, f"the JSON rows cannot be made a table: {exc}") from None


def polars_frame(table: Any) -> Any:
    """A ``polars.DataFrame`` sharing the Arrow table's buffers where polars can."""
    polars = require("polars", "to_polars()", "polars")
    return polars.from_arrow(table, rechunk=False)


def write_parquet(make_table: Callable[[], Any], path: Path) -> Path:
    """Write the table ``make_table()`` returns to ``path`` as Parquet, whole or not at all:
    to a temporary file beside it (made first, so a bad directory fails before the body is
    read), renamed into place at the end."""
    parquet = require("pyarrow.parquet", 'save("….parquet")', "arrow")
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as file:
            _usual_permissions(file.fileno())
            parquet.write_table(make_table(), file)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


_BLANK = b" \t\r\n\xef\xbb\xbf"  # what a blank line may hold (a byte-order mark before it too)


class _Watch:
    """The body on its way to pyarrow: its header row read first, its quote characters
    counted (an odd count is a quoted value never closed: pyarrow would read it to the end of
    the body as one value), the rows pyarrow finds irregular, and the body's own error."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._head = b""
        self.quotes = 0
        self.error: BaseException | None = None
        self.irregular_rows: list[tuple[int, int, bool]] = []

    def header(self) -> bytes:
        """The first row that is not blank (pulled from the body; ``chunks()`` gives the body
        back from there, without the blank lines before it, which pyarrow would not skip)."""
        first = start = 0
        while True:
            end = self._head.find(b"\n", start)
            if end == -1:
                chunk = next(self._chunks, None) if len(self._head) <= HEADER_LIMIT else None
                if chunk is None:
                    self._head = self._head[first:]
                    return self._head if self._head.strip(_BLANK) else b""
                self._head += chunk
                continue
            row = self._head[first : end + 1]
            if not row.strip(_BLANK):
                first = start = end + 1
            elif row.count(b'"') % 2 == 0:  # a line break inside quotes does not end the row
                self._head = self._head[first:]
                return row
            else:
                start = end + 1

    def chunks(self) -> Iterator[bytes]:
        try:
            for chunk in itertools.chain([self._head], self._chunks):
                self.quotes += chunk.count(b'"')
                yield chunk
        except BaseException as error:  # ResponseTooLarge, a truncated body: raised as is
            self.error = error
            raise

    def close(self) -> None:
        close = getattr(self._chunks, "close", None)  # a generator's: iter_bytes() lets go
        if close is not None:
            close()

    def irregular(self, row: Any) -> str:
        # pandas skips a line of spaces and tabs as it skips an empty one
        if row.actual_columns == 1 and not row.text.strip(" \t\r\n"):
            return "skip"
        short = row.actual_columns < row.expected_columns
        trailing = row.actual_columns == row.expected_columns + 1 and row.text.rstrip(
            "\r\n"
        ).endswith(",")
        self.irregular_rows.append((row.expected_columns, row.actual_columns, short or trailing))
        return "error"


class _Column:
    """One column's blocks, converted to the narrowest type holding every value so far."""

    def __init__(self, pa: Any) -> None:
        self.pa = pa
        self.ladder = [
            pa.int64(),
            pa.float64(),
            pa.bool_(),
            pa.date32(),
            # parsed against a fixed offset, named UTC at the end: the same instants, and five
            # times faster than parsing against the zone database's UTC
            pa.timestamp("us", tz="+00:00"),
            pa.timestamp("us"),
            pa.string(),
        ]
        self.level: int | None = None  # where on the ladder; None: only nulls so far
        self.blocks: list[Any] = []

    def add(self, values: Any) -> None:
        if values.null_count == len(values):
            self.blocks.append(values)  # typed at the end, when the type is known
            return
        start = self.level or 0
        # a failed cast costs as much as a whole one: types are ruled out on a sample first
        sample = values.slice(0, 1000).drop_null()
        for level in range(start, len(self.ladder)):
            kind = self.ladder[level]
            if kind == self.pa.string():
                converted = values
            else:
                try:
                    if level != self.level:
                        sample.cast(kind)
                    converted = values.cast(kind)
                except (self.pa.ArrowInvalid, self.pa.ArrowNotImplementedError):
                    continue
            if level != start and self.level is not None:
                # integers become floats; any other change makes the column text (earlier
                # values written back as pyarrow writes them)
                if not (start == 0 and level == 1):
                    level, converted = len(self.ladder) - 1, values
                self.blocks = [block.cast(self.ladder[level]) for block in self.blocks]
            self.level = level
            self.blocks.append(converted)
            return

    def finish(self) -> Any:
        if self.level is None:  # no value at all: pyarrow's null type, as its reader has it
            return self.pa.chunked_array(
                [self.pa.nulls(len(block)) for block in self.blocks], type=self.pa.null()
            )
        kind = self.ladder[self.level]
        blocks = [block if block.type == kind else block.cast(kind) for block in self.blocks]
        column = self.pa.chunked_array(blocks, type=kind)
        if kind.equals(self.ladder[4]):
            column = column.cast(self.pa.timestamp("us", tz="UTC"))  # a new label, no copy
        return column
