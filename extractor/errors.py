"""The library's exceptions: one base class, one subclass per way a file can fail.

Data problems (totals that do not add up, a missing table) are never exceptions: they
are issues in the report. An exception means the file could not be read as a report at
all. The CLI maps each class to an exit code (see README, "Exit codes").
"""

from __future__ import annotations


class ExtractorError(Exception):
    """Base class of every error the library raises on purpose."""

    exit_code = 1


class InputNotFound(ExtractorError):
    """The path does not exist or is not a readable file."""

    exit_code = 3


class EmptyInput(ExtractorError):
    """The file has no bytes, or only white space."""

    exit_code = 4


class UnsupportedFormat(ExtractorError):
    """The bytes are not PDF, HTML or text (binary noise, images, archives...)."""

    exit_code = 5


class DamagedDocument(ExtractorError):
    """The format was recognised but the document is damaged or truncated."""

    exit_code = 6


class EncryptedDocument(ExtractorError):
    """The document is encrypted and cannot be opened without a password."""

    exit_code = 7


class LimitExceeded(ExtractorError):
    """A configured limit (bytes, pages, cells, time) was hit; the message names it."""

    exit_code = 8

    def __init__(self, limit: str, message: str) -> None:
        super().__init__(message)
        self.limit = limit


class ConverterMissing(ExtractorError):
    """Reading the file needs a converter that is not installed (LibreOffice for .doc,
    .wps, .odt and .rtf); the message names what to install."""

    exit_code = 10
