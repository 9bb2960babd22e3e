"""Errors and exit codes of a batch run."""

from __future__ import annotations

from ..errors import ExtractorError

EXIT_OK = 0
EXIT_SOME_FAILED = 9
EXIT_INTERRUPTED = 130


class BatchError(ExtractorError):
    """The run could not start or continue (output busy, workers cannot start...)."""

    exit_code = 1


class UsageError(ExtractorError):
    """Bad options for ``run``."""

    exit_code = 2
