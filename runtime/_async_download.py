"""``AsyncDownload`` and ``AsyncResults``: ``Download`` and ``Results`` for
``modehal.AsyncClient``, read with ``await`` and ``async for``.

The body is read as the blocking download reads it, through the same ``BodyDecoder``
(decompressed a bounded step at a time, counted against ``max_download_bytes``, a body cut
short is a ``DecodeError``) and saved through the same ``AtomicFile``. Rows, tables and
DataFrames are parsed by the very ``Results`` code: the body is first spooled to a temporary
file (on disk, not in memory; a zip needs that anyway), then read from there, by a worker
thread where the parsing is heavy (``tables()``, ``to_pandas()``), so the event loop is not
held up.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from ._download import CHUNK_SIZE, AtomicFile, BodyFacts
from ._errors import ModeError
from ._results import Results, ResultsFacts

if TYPE_CHECKING:
    import pandas
    from typing_extensions import Self

AsyncChunks = Callable[[int], AsyncIterator[bytes]]  # chunk_size -> the body's decoded chunks


class AsyncDownload:
    """A streamed body: ``async for chunk in iter_bytes()``, ``await save(path)``, ``await
    read()``; one pass over the network, as ``modehal.Download``. ``content_type``,
    ``filename``, ``size`` and ``max_bytes`` are the same. Use it in an ``async with``, or ``await
    aclose()`` it, to let the connection go when the body is not read to its end.
    """

    def __init__(
        self,
        chunks: AsyncChunks,
        *,
        url: str,
        content_type: str = "application/octet-stream",
        filename: str = "download",
        size: int | None = None,
        close: Callable[[], Awaitable[None]] | None = None,
        max_bytes: int | None = None,
    ) -> None:
        self._chunks: AsyncChunks | None = chunks
        self.url = url
        self.content_type = content_type
        self.filename = filename
        self.size = size
        self.max_bytes = max_bytes
        self._close = close

    @classmethod
    def from_response(cls, response: Any, *, url: str, max_bytes: int | None = None) -> Self:
        """The body of an ``httpx.Response`` sent with ``stream=True``, not read yet."""
        facts = BodyFacts.of(response.headers, url, str(response.url) or url)
        return cls(
            lambda chunk_size: _decoded(response, url, facts, max_bytes, chunk_size),
            url=url,
            content_type=facts.content_type,
            filename=facts.filename,
            size=facts.size,
            close=response.aclose,
            max_bytes=max_bytes,
        )

    async def iter_bytes(self, chunk_size: int = CHUNK_SIZE) -> AsyncIterator[bytes]:
        """The body, decompressed, in chunks of at most ``chunk_size`` bytes."""
        if self._chunks is None:
            raise ModeError(
                f"{self.url}: this download has been read already (a download is one pass over "
                "the network: save() or read() it once)"
            )
        chunks, self._chunks = self._chunks, None
        try:
            async for chunk in chunks(chunk_size):
                yield chunk
        finally:
            await self.aclose()

    async def read(self) -> bytes:
        """The whole body, in memory."""
        return b"".join([chunk async for chunk in self.iter_bytes()])

    async def save(
        self, path: str | os.PathLike[str], *, progress: Callable[[int], object] | None = None
    ) -> Path:
        """Write the body to ``path`` (a directory: to ``filename`` inside it) and return it;
        the file appears whole or not at all, as ``Download.save`` writes it."""
        with AtomicFile(path, self.filename) as file:
            async for chunk in self.iter_bytes():
                file.write(chunk)
                if progress is not None:
                    progress(len(chunk))
        return file.target

    async def aclose(self) -> None:
        """Let the connection go (the rest of the body, if any, is not read)."""
        self._chunks = None
        if self._close is not None:
            close, self._close = self._close, None
            await close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        size = f" {self.size:,} bytes" if self.size is not None else ""
        return f"<{type(self).__name__} {self.filename} {self.content_type}{size}>"


async def _decoded(
    response: Any, url: str, facts: BodyFacts, max_bytes: int | None, chunk_size: int
) -> AsyncIterator[bytes]:
    """The body's chunks, decompressed a bounded step at a time and counted."""
    import httpx  # here, not at the top: only a download of AsyncClient's gets here

    body = facts.decoder(url, max_bytes, chunk_size)
    try:
        async for data in response.aiter_raw(chunk_size):
            for chunk in body.feed(data):
                yield chunk
        for chunk in body.finish():
            yield chunk
    except httpx.TimeoutException:
        raise body.stalled() from None
    except httpx.RemoteProtocolError:
        raise body.ended_early() from None
    except (httpx.TransportError, OSError) as exc:
        raise body.failed(exc) from None


class AsyncResults(ResultsFacts, AsyncDownload):
    """An ``AsyncDownload`` that knows it holds results: ``async for row in rows()``,
    ``await tables()``, ``await to_pandas()``; each reads the body once, as
    ``modehal.Results`` does, and parses it with the same code."""

    def __init__(self, chunks: AsyncChunks, **kwargs: Any) -> None:
        super().__init__(chunks, **kwargs)
        self._refuse_html()  # nothing read yet; AsyncBaseClient closes the response

    async def rows(self) -> AsyncIterator[dict[str, Any]]:
        """Each row as a dict, as ``Results.rows()`` reads them."""
        spooled = await self._spooled()
        for row in spooled.rows():
            yield row

    async def tables(self) -> dict[str, Results]:
        """One ``Results`` per query, by name (as ``Results.tables()``); the body is on local
        disk by then, so each table is read without waiting on the network."""
        import asyncio  # here: `import modehal` need not load asyncio for Client's sake

        spooled = await self._spooled()
        return await asyncio.to_thread(spooled.tables)

    async def to_pandas(self) -> pandas.DataFrame:
        """The table as a pandas DataFrame (``pip install "modehal[pandas]"``), parsed by a
        worker thread."""
        import asyncio

        spooled = await self._spooled()
        return await asyncio.to_thread(spooled.to_pandas)

    async def _spooled(self) -> Results:
        """The whole body in a temporary file, as a ``Results`` reading it from there."""
        import tempfile

        spool = tempfile.TemporaryFile()
        try:
            async for chunk in self.iter_bytes():
                spool.write(chunk)
        except BaseException:
            spool.close()
            raise
        spool.seek(0)
        return Results(
            lambda chunk_size: _from_spool(spool, chunk_size),
            url=self.url,
            content_type=self.content_type,
            filename=self.filename,
            size=self.size,
            close=spool.close,
            max_bytes=self.max_bytes,
        )


def _from_spool(spool: IO[bytes], chunk_size: int) -> Iterator[bytes]:
    while chunk := spool.read(chunk_size):
        yield chunk
