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
from dataclasses import dataclass
from collections.abc import Callable, Iterator
from email.message import Message
from http.client import IncompleteRead
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from urllib3.exceptions import HTTPError, InvalidChunkLength, ProtocolError, ReadTimeoutError

from ._attempt import SizeLimit
from ._errors import ConnectionError, DecodeError, ModeError, Timeout
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
    members read from a zip, may inflate to in all; None: no limit). Use it as a context
    manager, or ``close()`` it, to let the connection go when the body is not read to its end.
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
        facts = BodyFacts.of(response.headers, url, response.url or url)
        return cls(
            lambda chunk_size: _decoded(response, facts.decoder(url, max_bytes, chunk_size)),
            url=url,
            content_type=facts.content_type,
            filename=facts.filename,
            size=facts.size,
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
        with AtomicFile(path, self.filename) as file:
            for chunk in self.iter_bytes():
                file.write(chunk)
                if progress is not None:
                    progress(len(chunk))
        return file.target

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


@dataclass(frozen=True)
class BodyFacts:
    """What a download's headers say about its body, for both clients' downloads."""

    encoding: str
    stated: int | None  # Content-Length: the bytes as sent
    content_type: str
    filename: str
    size: int | None  # the decompressed size, when known
    chunked: bool  # Transfer-Encoding: chunked, so its end is its last chunk

    @classmethod
    def of(cls, headers: Any, url: str, answered_url: str) -> BodyFacts:
        # `url` is the one asked for: after a redirect to signed storage, the answered URL
        # holds the signature, which must not reach error messages and logs; only its file
        # name is read.
        encoding = headers.get("Content-Encoding", "identity").strip().lower()
        length = headers.get("Content-Length", "")
        stated = int(length) if length.isdigit() else None
        return cls(
            encoding=encoding,
            stated=stated,
            content_type=headers.get("Content-Type", "application/octet-stream")
            .split(";")[0]
            .strip()
            .lower(),
            filename=_filename(headers.get("Content-Disposition"), answered_url),
            size=stated if encoding == "identity" else None,
            chunked="chunked" in headers.get("Transfer-Encoding", "").lower(),
        )

    def decoder(self, url: str, max_bytes: int | None, chunk_size: int) -> BodyDecoder:
        """The ``BodyDecoder`` reading this body."""
        return BodyDecoder(
            url, self.encoding, self.stated, max_bytes, chunk_size, chunked=self.chunked
        )


class AtomicFile:
    """A file written whole or not at all: ``with AtomicFile(path, filename) as file:``
    writes to a temporary file beside ``path`` (a directory: ``filename`` inside it), renamed
    into place at the end and removed on any error; ``file.target`` is where it went."""

    def __init__(self, path: str | os.PathLike[str], filename: str) -> None:
        target = Path(path)
        if target.is_dir():
            target = target / filename
        self.target = target
        self._temporary = ""
        self._file: Any = None

    def __enter__(self) -> AtomicFile:
        import tempfile  # only saving needs it: kept out of `import modehal`

        handle, self._temporary = tempfile.mkstemp(
            dir=self.target.parent, prefix=f".{self.target.name}.", suffix=".part"
        )
        self._file = os.fdopen(handle, "wb")
        _usual_permissions(handle)
        return self

    def write(self, chunk: bytes) -> None:
        self._file.write(chunk)

    def __exit__(self, kind: type[BaseException] | None, *rest: object) -> None:
        try:
            self._file.close()
            if kind is None:
                os.replace(self._temporary, self.target)
        finally:
            if kind is not None or os.path.exists(self._temporary):
                Path(self._temporary).unlink(missing_ok=True)


class BodyDecoder:
    """The accounting of one download, without the reading: each raw piece of the body goes
    in (``feed``), decompressed chunks of at most ``chunk_size`` bytes come out, counted
    against ``max_bytes`` (``ResponseTooLarge``); ``finish()`` says whether the body ended
    whole. Both clients' downloads read through one."""

    def __init__(
        self,
        url: str,
        encoding: str,
        stated: int | None,
        max_bytes: int | None,
        chunk_size: int,
        *,
        method: str = "GET",
        chunked: bool = False,
    ) -> None:
        self.url = url
        self.stated = stated
        self.chunked = chunked
        self.chunk_size = chunk_size
        self.received = 0  # bytes of the body as sent
        self.size = SizeLimit(max_bytes, method, url)  # and decompressed
        self._decompressor = _Decompressor(encoding, url)

    @property
    def produced(self) -> int:
        """Bytes of the body handed out so far, decompressed."""
        return self.size.size

    def feed(self, data: bytes) -> Iterator[bytes]:
        self.received += len(data)
        for chunk in self._decompressor.feed(data, self.chunk_size):
            self.size.count(chunk)
            yield chunk

    @property
    def cut_short(self) -> bool:
        """Whether fewer bytes arrived than the ``Content-Length`` stated."""
        return self.stated is not None and self.received < self.stated

    def finish(self) -> Iterator[bytes]:
        """What the decompressor still holds; ``DecodeError`` if the body was cut short."""
        if self.cut_short:
            raise self.truncated()
        yield from self._decompressor.finish()

    def ended_early(self, framing: bool = False) -> ModeError:
        """The error of a connection that ended before the body did: ``truncated()`` when
        the body's framing shows it cut short (``framing``: the HTTP library said so; fewer
        bytes than its Content-Length; a chunked body without its last chunk), else
        ``dropped()``."""
        if framing or self.cut_short or self.chunked:
            return self.truncated()
        return self.dropped()

    def truncated(self) -> DecodeError:
        """What a body cut short looked like, from its framing."""
        if self.stated is not None:
            problem = f"it ended before its Content-Length ({self.stated:,} bytes)"
        elif self.chunked:
            problem = (
                "the connection closed in the middle of its chunked encoding, before its last "
                f"chunk ({self.received:,} bytes read)"
            )
        else:
            problem = f"it ended after {self.received:,} bytes"
        return DecodeError(self.url, f"the body is truncated: {problem}")

    def dropped(self) -> ConnectionError:
        """The error of a connection lost part-way through the body: never retried, since
        the bytes already handed out would be handed out again."""
        return ConnectionError(
            f"GET {self.url}: the connection dropped after {self.produced:,} bytes of the body",
            method="GET",
            url=self.url,
            retryable=False,
        )

    def stalled(self) -> Timeout:
        return Timeout(
            f"GET {self.url}: the body stopped arriving after {self.produced:,} bytes",
            method="GET",
            url=self.url,
            retryable=False,
        )

    def failed(self, exc: BaseException) -> ConnectionError:
        return ConnectionError(
            f"GET {self.url}: reading the body failed after {self.produced:,} bytes: {exc}",
            method="GET",
            url=self.url,
            retryable=False,
        )


def _decoded(response: requests.Response, body: BodyDecoder) -> Iterator[bytes]:
    """The body's chunks, decompressed a bounded step at a time and counted."""
    try:
        for data in response.raw.stream(body.chunk_size, decode_content=False):
            yield from body.feed(data)
        yield from body.finish()
    except ProtocolError as exc:
        # short of its Content-Length, or of its chunked encoding's last chunk: truncated
        framing = caused_by(exc, IncompleteRead) or caused_by(exc, InvalidChunkLength)
        raise body.ended_early(framing) from None
    except ReadTimeoutError:
        raise body.stalled() from None
    except (OSError, HTTPError) as exc:  # HTTPError: urllib3's own, a TLS failure among them
        raise body.failed(exc) from None


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
