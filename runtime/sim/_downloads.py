"""What the simulator's download routes send: result rows, zips of them, and PDFs.

Everything here is made on demand, chunk by chunk, and gzip-compressed on the fly, so a body of
hundreds of MB is never held whole: the server's memory stays flat however many rows a test
asks for. Rows are generated from a key (seed, run and query tokens), so the same simulator seed
always serves the same bytes.
"""

from __future__ import annotations

import json
import random
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

# Level 1: the simulator must feed hundreds of MB quickly; a smaller body is not its goal.
GZIP_LEVEL = 1
_GZIP_WBITS = 31  # zlib's way of asking for a gzip header and trailer
_BATCH = 2000  # rows formatted per chunk: ~100 KB, large enough for speed, small enough to stream
_SPOOL_READ = 1 << 16

COLUMNS = ("id", "name", "amount", "created_at")
# Commas and quotes on purpose: a CSV reader that does not honour quoting gets these wrong.
NAMES = (
    "Hermione Granger",
    "Weasley, Ron",
    '"Mad-Eye" Moody',
    "Luna Lovegood",
    "Neville Longbottom",
    'Malfoy, Draco "the Ferret"',
    "Cho Chang",
    "Cedric Diggory",
)
_CSV_NAMES = tuple(
    '"' + name.replace('"', '""') + '"' if ("," in name or '"' in name) else name for name in NAMES
)
_JSON_NAMES = tuple(json.dumps(name) for name in NAMES)
_YEAR = 366 * 86400  # timestamps fall within 2024, a leap year
_DAYS = tuple(
    (datetime(2024, 1, 1, tzinfo=timezone.utc) + timedelta(days=day)).strftime("%Y-%m-%d")
    for day in range(366)
)

Produce = Callable[[], Iterator[bytes]]


@dataclass(frozen=True)
class Body:
    """A download, made anew each time it is served (a redirect serves it from elsewhere)."""

    content_type: str
    filename: str
    produce: Produce  # the uncompressed content, chunk by chunk

    def gzipped(self) -> Iterator[bytes]:
        compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, _GZIP_WBITS)
        for chunk in self.produce():
            compressed = compressor.compress(chunk)
            if compressed:
                yield compressed
        yield compressor.flush()

    def headers(self) -> dict[str, str]:
        return {
            "Content-Type": self.content_type,
            "Content-Encoding": "gzip",
            "Content-Disposition": attachment(self.filename),
        }


def attachment(filename: str) -> str:
    quoted = filename.replace("\\", "\\\\").replace('"', '\\"')
    return f'attachment; filename="{quoted}"'


# -- result rows ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Rows:
    """The ``count`` result rows of one query run; the same ``key`` gives the same rows."""

    key: str
    count: int

    def _batches(self) -> Iterator[list[tuple[int, int, int, int]]]:
        """(id, name index, amount in cents, seconds into 2024) per row, a batch at a time."""
        bits = random.Random(self.key).getrandbits  # a str seed is hashed the same everywhere
        for start in range(0, self.count, _BATCH):
            batch = []
            for number in range(start + 1, min(self.count, start + _BATCH) + 1):
                value = bits(64)
                batch.append(
                    (number, (value >> 56) % len(NAMES), value % 10_000_000, (value >> 24) % _YEAR)
                )
            yield batch

    def csv_size_bound(self) -> int:
        widest = max(len(name) for name in _CSV_NAMES)
        return (len(str(self.count)) + widest + 40) * (self.count + 1)  # 40: the other columns

    def csv(self) -> Iterator[bytes]:
        yield (",".join(COLUMNS) + "\r\n").encode()
        for batch in self._batches():
            yield "".join(
                f"{number},{_CSV_NAMES[name]},{_amount(cents)},{_timestamp(seconds)}\r\n"
                for number, name, cents, seconds in batch
            ).encode()

    def json(self) -> Iterator[bytes]:
        yield b"["
        separator = ""
        for batch in self._batches():
            text = ",".join(
                f'{{"id":{number},"name":{_JSON_NAMES[name]},"amount":{_amount(cents)},'
                f'"created_at":"{_timestamp(seconds)}"}}'
                for number, name, cents, seconds in batch
            )
            yield (separator + text).encode()
            separator = ","
        yield b"]"


def _amount(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def _timestamp(seconds: int) -> str:
    # strftime per row would cost as much as the rest of the row: only the date is looked up.
    clock = seconds % 86400
    return f"{_DAYS[seconds // 86400]}T{clock // 3600:02d}:{clock // 60 % 60:02d}:{clock % 60:02d}Z"


def zipped_csv(members: list[tuple[str, Rows]]) -> Iterator[bytes]:
    """A zip of one CSV per (file name, rows). A zip ends with a directory of its members'
    sizes and offsets, so it is spooled to a temporary file, then read back in chunks."""
    with tempfile.TemporaryFile() as spool:
        with zipfile.ZipFile(spool, "w", zipfile.ZIP_DEFLATED, compresslevel=GZIP_LEVEL) as zip_:
            for name, rows in members:
                # The size is not known before it is written: Zip64 only if it may need it.
                big = rows.csv_size_bound() > zipfile.ZIP64_LIMIT
                with zip_.open(name, "w", force_zip64=big) as member:
                    for chunk in rows.csv():
                        member.write(chunk)
        spool.seek(0)
        while chunk := spool.read(_SPOOL_READ):
            yield chunk


# -- PDF ------------------------------------------------------------------------------------


def pdf_document(title: str, lines: list[str]) -> bytes:
    """A minimal but valid PDF 1.4: one page showing ``title`` and ``lines`` in Helvetica."""
    text = [f"BT /F1 18 Tf 72 720 Td ({_pdf_text(title)}) Tj ET"]
    text += [
        f"BT /F1 11 Tf 72 {690 - 16 * index} Td ({_pdf_text(line)}) Tj ET"
        for index, line in enumerate(lines)
    ]
    stream = "\n".join(text).encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792]"
        b" /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
    ]
    document = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")  # binary comment: "this file is binary"
    offsets = []
    for number, content in enumerate(objects, start=1):
        offsets.append(len(document))
        document += b"%d 0 obj\n%s\nendobj\n" % (number, content)
    xref = len(document)
    document += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    document += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    document += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF" % (
        len(objects) + 1,
        xref,
    )
    return bytes(document)


def _pdf_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
