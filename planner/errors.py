"""Exceptions raised by the planner.

Every error a user can cause is a subclass of :class:`PlannerError`, so the CLI
can print one clear message instead of a traceback.  Each also subclasses the
built-in exception that best describes it, so ``except ValueError`` keeps
working for callers who do not know about the planner's types.
"""

from __future__ import annotations


class PlannerError(Exception):
    """Base class of every error the planner raises on purpose."""


class InputError(PlannerError, ValueError):
    """A function was called with an argument it cannot use (wrong value, shape or type).

    Raised for bad arguments to the library's functions; data files that fail
    validation raise :class:`DataError`, study files :class:`ConfigError`.
    """


class ConfigError(PlannerError, ValueError):
    """The study configuration (TOML) is malformed or names unknown keys."""


class DataError(PlannerError, ValueError):
    """An input file cannot be read or fails validation.

    ``report`` holds the :class:`planner.validation.ValidationReport` when the
    error comes from validation, so callers can list every problem.
    """

    def __init__(self, message: str, report: object | None = None) -> None:
        super().__init__(message)
        self.report = report


class InputFileNotFoundError(PlannerError, FileNotFoundError):
    """A file named in the configuration does not exist."""


class NetworkError(PlannerError, RuntimeError):
    """A road network cannot be built (empty extract, no edges for a profile...)."""


class SolverError(PlannerError, RuntimeError):
    """An optimisation solver failed or finished without a usable solution.

    Only for solver outcomes: bad arguments to a model raise :class:`InputError`.
    """


class OutputError(PlannerError, OSError):
    """The outputs cannot be written where asked (a file in the way, no permission, a name too long, in use)."""
