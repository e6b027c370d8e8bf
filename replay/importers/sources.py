"""Turn the SOURCE arguments of `replay import` into a sorted list of files, and read them.

    sources = find_sources(["exports/", "s3://bucket/Analysis/Voice/"], suffixes=(".json",))
    data = sources[0].read_bytes()          # decompressed when the name ends .gz

A SOURCE is a file (taken whatever its name), a directory (searched recursively for names that
end with one of `suffixes`, optionally followed by .gz; hidden entries skipped), a glob
(`exports/**/*.json`, recursive), or an fsspec URL of any of these (`s3://bucket/prefix/`,
`gs://...`; the store's credentials come the standard way, e.g. AWS_* variables or
~/.aws for S3, and AWS_ENDPOINT_URL for an S3-compatible server). The list is sorted by the
name shown and free of repeats, so an import reads files in the same order every time.
"""

from __future__ import annotations

import glob
import gzip
import os
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from replay.errors import DatasetError
from replay.importers.model import SourceProblem

_GLOB_CHARACTERS = frozenset("*?[")


@dataclass(frozen=True)
class Source:
    """One file to import: `display` is how messages name it; `name` its base name minus .gz."""

    display: str
    filesystem: Any = field(default=None, compare=False, repr=False)  # fsspec, or None if local

    @property
    def name(self) -> str:
        base = self.display.rstrip("/").rsplit("/", 1)[-1]
        return base[:-3] if base.lower().endswith(".gz") else base

    @property
    def parent(self) -> str:
        parts = self.display.rstrip("/").rsplit("/", 2)
        return parts[-2] if len(parts) > 1 else ""

    def read_bytes(self) -> bytes:
        try:
            if self.filesystem is None:
                data = Path(self.display).read_bytes()
            else:
                data = self.filesystem.cat_file(_strip_protocol(self.display))
        except OSError as error:
            raise SourceProblem(
                "", f"cannot be read ({error.strerror or error})", "unreadable"
            ) from None
        if self.display.lower().endswith(".gz"):
            try:
                return gzip.decompress(data)
            except (OSError, EOFError, zlib.error) as error:
                raise SourceProblem(
                    "", f"not a valid gzip file ({error})", "not valid gzip"
                ) from None
        return data


def find_sources(arguments: Iterable[str], suffixes: tuple[str, ...]) -> list[Source]:
    found: dict[str, Source] = {}
    for argument in arguments:
        for source in _expand(argument, suffixes):
            found.setdefault(source.display, source)
    return [found[name] for name in sorted(found)]


def _expand(argument: str, suffixes: tuple[str, ...]) -> list[Source]:
    if "://" in argument and not argument.startswith("file://"):
        return _expand_remote(argument, suffixes)
    path = argument.removeprefix("file://")
    if _GLOB_CHARACTERS & set(path):
        names = sorted(name for name in glob.glob(path, recursive=True) if os.path.isfile(name))
        if not names:
            raise DatasetError(f"{argument}: the pattern matches no files")
        return [Source(name) for name in names]
    if os.path.isdir(path):
        names = _walk(path, suffixes)
        if not names:
            raise DatasetError(f"{argument}: the directory holds no {_kinds(suffixes)} files")
        return [Source(name) for name in names]
    if not os.path.exists(path):
        raise DatasetError(f"{argument}: no such file or directory; check the path")
    return [Source(path)]


def _walk(folder: str, suffixes: tuple[str, ...]) -> list[str]:
    """Files under `folder` with a wanted name; hidden files and folders are left out."""
    names = []
    for parent, subfolders, files in os.walk(folder):
        subfolders[:] = [name for name in subfolders if not name.startswith(".")]
        names.extend(
            os.path.join(parent, name)
            for name in files
            if not name.startswith(".") and _wanted(name, suffixes)
        )
    return names


def _expand_remote(url: str, suffixes: tuple[str, ...]) -> list[Source]:
    try:
        import fsspec

        filesystem, path = fsspec.core.url_to_fs(url)
        protocol = url.split("://", 1)[0]
        if _GLOB_CHARACTERS & set(path):
            names = [name for name in filesystem.glob(path) if filesystem.isfile(name)]
        elif filesystem.isdir(path):
            names = [
                name for name in filesystem.find(path)
                if _wanted(name.rsplit("/", 1)[-1], suffixes)
            ]
        elif filesystem.exists(path):
            names = [path]
        else:
            raise DatasetError(f"{url}: no such object or prefix; check the URL")
    except DatasetError:
        raise
    except ImportError as error:
        missing = error.name or str(error)  # fsspec's own says which: "Please install gcsfs ..."
        raise DatasetError(
            f"{url}: reading this store needs a package that is not installed ({missing})"
        ) from None
    except Exception as error:  # the store's own errors: credentials, network, permissions
        raise DatasetError(f"{url}: cannot list the store ({_short(error)})") from None
    if not names:
        raise DatasetError(f"{url}: holds no {_kinds(suffixes)} files")
    return [Source(f"{protocol}://{name}", filesystem) for name in names]


def _strip_protocol(url: str) -> str:
    return url.split("://", 1)[1]


def _wanted(name: str, suffixes: tuple[str, ...]) -> bool:
    lower = name.lower().removesuffix(".gz")
    return lower.endswith(suffixes)


def _kinds(suffixes: tuple[str, ...]) -> str:
    return "/".join(suffixes) + " (optionally .gz)"


def _short(error: BaseException) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= 200 else text[:199] + "…"
