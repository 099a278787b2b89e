"""``Download``: a response body that is not a HAL document (CSV, JSON rows, a zip, a PDF),
streamed rather than held.

The body arrives as the server sent it and is decompressed here, chunk by chunk, with each
step's output bounded (so a gzip bomb never inflates at once), counted against the client's
``max_download_bytes``, and checked at the end: a body shorter than its ``Content-Length`` or a
gzip stream without its trailer is a ``DecodeError``, never quietly short. The network is read
once; nothing is kept unless ``read()`` asks for the whole body.
"""

from __future__ import annotations

import functools
import os
import zlib
from collections.abc import Callable, Iterator
from email.message import Message
from http.client import IncompleteRead
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from urllib3.exceptions import HTTPError, InvalidChunkLength, ProtocolError, ReadTimeoutError

from ._errors import ConnectionError, DecodeError, ModeError, ResponseTooLarge, Timeout
from ._transport import caused_by

if TYPE_CHECKING:
    import requests
    from typing_extensions import Self

CHUNK_SIZE = 64 * 1024
Chunks = Callable[[int], Iterator[bytes]]  # chunk_size -> the body's decoded chunks


class Download:
    """A streamed body: ``iter_bytes()``, ``save(path)``, ``read()``; one pass over the network.

    ``content_type`` is the media type without parameters, ``filename`` comes from
    ``Content-Disposition`` or the URL, ``size`` is the decompressed size when known (else
    None), ``max_bytes`` the client's ``max_download_bytes`` (what the body, and what the
    members read from a zip, may inflate to in all; None: no limit). Use it as a context manager, or ``close()`` it, to let the connection go when the
    body is not read to its end.
    """

    def __init__(
        self,
        chunks: Chunks,
        *,
        url: str,
        content_type: str = "application/octet-stream",
        filename: str = "download",
        size: int | None = None,
        close: Callable[[], None] | None = None,
        max_bytes: int | None = None,
    ) -> None:
        self._chunks: Chunks | None = chunks
        self.url = url
        self.content_type = content_type
        self.filename = filename
        self.size = size
        self.max_bytes = max_bytes
        self._close = close

    @classmethod
    def from_response(
        cls, response: requests.Response, *, url: str, max_bytes: int | None = None
    ) -> Self:
        """The body of ``response`` (sent with ``stream=True``, not read yet)."""
        headers = response.headers
        encoding = headers.get("Content-Encoding", "identity").strip().lower()
        length = headers.get("Content-Length", "")
        stated = int(length) if length.isdigit() else None
        # `url` is the one asked for: after a redirect to signed storage, response.url holds
        # the signature, which must not reach error messages and logs.
        return cls(
            lambda chunk_size: _decoded(response, url, encoding, stated, max_bytes, chunk_size),
            url=url,
            content_type=headers.get("Content-Type", "application/octet-stream")
            .split(";")[0]
            .strip()
            .lower(),
            filename=_filename(headers.get("Content-Disposition"), response.url or url),
            size=stated if encoding == "identity" else None,
            close=response.close,
            max_bytes=max_bytes,
        )

    def iter_bytes(self, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
        """The body, decompressed, in chunks of at most ``chunk_size`` bytes."""
        if self._chunks is None:
            raise ModeError(
                f"{self.url}: this download has been read already (a Download is one pass over "
                "the network: save() or read() it once)"
            )
        chunks, self._chunks = self._chunks, None
        try:
            yield from chunks(chunk_size)
        finally:
            self.close()

    def read(self) -> bytes:
        """The whole body, in memory."""
        return b"".join(self.iter_bytes())

    def save(
        self, path: str | os.PathLike[str], *, progress: Callable[[int], object] | None = None
    ) -> Path:
        """Write the body to ``path`` (a directory: to ``filename`` inside it) and return it.

        The file appears whole or not at all: the body goes to a temporary file beside it,
        renamed into place at the end and removed on any error. ``progress`` is called with the
        number of bytes just written (``tqdm``'s ``update`` fits).
        """
        import tempfile  # only saving needs it: kept out of `import modehal`

        target = Path(path)
        if target.is_dir():
            target = target / self.filename
        handle, temporary = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name}.", suffix=".part"
        )
        try:
            with os.fdopen(handle, "wb") as file:
                _usual_permissions(file.fileno())
                for chunk in self.iter_bytes():
                    file.write(chunk)
                    if progress is not None:
                        progress(len(chunk))
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return target

    def close(self) -> None:
        """Let the connection go (the rest of the body, if any, is not read)."""
        self._chunks = None
        if self._close is not None:
            close, self._close = self._close, None
            close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        size = f" {self.size:,} bytes" if self.size is not None else ""
        return f"<{type(self).__name__} {self.filename} {self.content_type}{size}>"


def _decoded(
    response: requests.Response,
    url: str,
    encoding: str,
    stated: int | None,
    max_bytes: int | None,
    chunk_size: int,
) -> Iterator[bytes]:
    """The body's chunks, decompressed a bounded step at a time and counted."""
    decoder = _Decompressor(encoding, url)
    produced = 0
    try:
        for data in response.raw.stream(chunk_size, decode_content=False):
            for chunk in decoder.feed(data, chunk_size):
                produced += len(chunk)
                if max_bytes is not None and produced > max_bytes:
                    raise ResponseTooLarge("GET", url, max_bytes)
                yield chunk
        yield from decoder.finish()
    except ProtocolError as exc:
        # short of its Content-Length, or of its chunked encoding's last chunk: truncated
        if (
            caused_by(exc, IncompleteRead)
            or caused_by(exc, InvalidChunkLength)
            or _chunked(response)
        ):
            raise DecodeError(url, _truncated(response, stated, produced)) from None
        raise ConnectionError(
            f"GET {url}: the connection dropped after {produced:,} bytes of the body",
            method="GET",
            url=url,
            retryable=False,
        ) from None
    except ReadTimeoutError:
        raise Timeout(
            f"GET {url}: the body stopped arriving after {produced:,} bytes",
            method="GET",
            url=url,
            retryable=False,
        ) from None
    except (OSError, HTTPError) as exc:  # HTTPError: urllib3's own, a TLS failure among them
        raise ConnectionError(
            f"GET {url}: reading the body failed after {produced:,} bytes: {exc}",
            method="GET",
            url=url,
            retryable=False,
        ) from None


def _truncated(response: requests.Response, stated: int | None, produced: int) -> str:
    """What a body cut short looked like, from its framing."""
    if stated is not None:
        return f"the body is truncated: it ended before its Content-Length ({stated:,} bytes)"
    if _chunked(response):
        return (
            f"the body is truncated: the connection closed in the middle of its chunked "
            f"encoding, before its last chunk ({produced:,} bytes read)"
        )
    return f"the body is truncated after {produced:,} bytes"


def _chunked(response: requests.Response) -> bool:
    return "chunked" in response.headers.get("Transfer-Encoding", "").lower()


class _Decompressor:
    """gzip, deflate or nothing, producing at most ``chunk_size`` bytes per step."""

    def __init__(self, encoding: str, url: str) -> None:
        self.url = url
        self.encoding = encoding
        if encoding in ("identity", ""):
            self._zlib: Any = None
        elif encoding in ("gzip", "x-gzip"):
            self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self._zlib = zlib.decompressobj(zlib.MAX_WBITS)
        else:
            raise DecodeError(url, f"unsupported Content-Encoding {encoding!r}")

    def feed(self, data: bytes, chunk_size: int) -> Iterator[bytes]:
        if self._zlib is None:
            if data:
                yield data
            return
        pending = data
        while pending:
            try:
                out = self._zlib.decompress(pending, chunk_size)
            except zlib.error as exc:
                raise DecodeError(self.url, f"the {self.encoding} body is corrupt: {exc}") from None
            pending = self._zlib.unconsumed_tail
            if self._zlib.eof and self._zlib.unused_data:
                # another gzip member follows (concatenated gzip is valid)
                pending = self._zlib.unused_data + pending
                self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)
            if out:
                yield out

    def finish(self) -> Iterator[bytes]:
        if self._zlib is None:
            return
        tail = self._zlib.flush()
        if tail:
            yield tail
        if not self._zlib.eof:
            raise DecodeError(
                self.url, f"the body is truncated: its {self.encoding} stream ends before its end"
            )


def _usual_permissions(handle: int) -> None:
    """mkstemp makes the file private (0600); a saved file gets what the umask gives any
    other (0644, usually). Best effort: some filesystems and platforms refuse chmod."""
    try:
        os.chmod(handle, 0o666 & ~_umask())
    except (OSError, NotImplementedError, TypeError):
        pass


@functools.cache
def _umask() -> int:
    try:  # Linux says what it is without changing it
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # elsewhere the only way to read it is to set it, and set it back
    os.umask(mask)
    return mask


def _filename(disposition: str | None, url: str) -> str:
    """A plain file name: the one ``Content-Disposition`` gives, else the URL's last segment.
    Only its last path component, so that it can never point outside a directory."""
    name = None
    if disposition:
        message = Message()
        message["Content-Disposition"] = disposition
        name = message.get_filename()
    if not name:
        name = unquote(PurePosixPath(urlsplit(url).path).name)
    name = PurePosixPath(name.replace("\\", "/")).name
    # no hidden file (".bashrc" saved into a home directory), no drive ("C:x" on Windows),
    # no control characters
    name = "".join("_" if c in ':<>"|?*' or not c.isprintable() else c for c in name)
    name = name.lstrip(". ").rstrip(". ")
    return name or "download"
