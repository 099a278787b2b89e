"""Chunks of a body as a file, and read ahead by a thread: how the CSV readers (the csv module,
pandas, pyarrow) are fed a download without holding it."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from typing import Any

_END = object()


def read_ahead(chunks: Iterator[bytes], depth: int = 4) -> Iterator[bytes]:
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


class ByteStream(io.RawIOBase):
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
