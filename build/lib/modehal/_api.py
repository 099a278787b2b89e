"""What a generated operation tells the client about itself."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Api:
    """One of Mode's HTTP APIs: where it lives, how it authenticates, what it answers."""

    name: str
    base_path: str
    auth: Literal["basic", "bearer"]
    accept: str


@dataclass(frozen=True)
class Endpoint:
    """One documented operation, as declared in ``spec/``.

    ``path`` is relative to the API's ``base_path`` and uses ``{name}`` placeholders.
    ``status`` is the documented success status; any 2xx is accepted.
    """

    name: str
    method: str
    api: Api
    path: str
    status: int
    summary: str
    errors: tuple[tuple[int, str], ...] = ()
    #: the model the operation answers with (None for nothing), and whether it is a list of them
    returns: str | None = None
    collection: bool = False

    @property
    def full_path(self) -> str:
        """The path template including the API's base path, e.g. ``/api/{account}/...``."""
        return self.api.base_path + self.path
