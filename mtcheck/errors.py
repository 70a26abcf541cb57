"""Errors that reach the user as one line on stderr and a documented exit code.

Exit codes (README, "Exit codes"):
  0  clean: nothing at or above --fail-on
  1  findings at or above --fail-on (or --max-flagged-ratio exceeded)
  2  usage or input error (missing/empty/binary/undecodable/huge file, bad option, bad config)
  3  an internal component failed (LanguageTool, a model, a corrupt model file, ...)
"""

from __future__ import annotations

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_INPUT = 2
EXIT_COMPONENT = 3


class MtcheckError(Exception):
    """Base class: ``str(err)`` is the whole message shown to the user."""

    exit_code = EXIT_COMPONENT

    def __init__(self, message: str, *, fix: str | None = None):
        self.message = message
        self.fix = fix
        super().__init__(message)

    def __str__(self) -> str:
        return f"{self.message} ({self.fix})" if self.fix else self.message


class InputError(MtcheckError):
    """The user's input cannot be checked as given."""

    exit_code = EXIT_INPUT


class ConfigError(MtcheckError):
    exit_code = EXIT_INPUT


class ComponentError(MtcheckError):
    """A component mtcheck relies on (LanguageTool, a model) is missing or failed."""

    exit_code = EXIT_COMPONENT


class ModelError(ComponentError):
    pass


class LanguageToolError(ComponentError):
    pass
