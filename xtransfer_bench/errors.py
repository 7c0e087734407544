"""The base of the package's own errors.

Each says what was wrong with the user's input and how to fix it (a missing
data file, an adapter for another base model, a malformed config). The CLI
prints such an error as one line and exits with status 2; anything else is a
bug and keeps its traceback.
"""


class XtransferError(Exception):
    """Bad input a user can fix; the message names the input and the fix."""


class UsageError(XtransferError):
    """Bad command-line input."""


class TaskOptionError(XtransferError, ValueError):
    """A task option (lm-eval --metadata, a score option) with a value the task does not know."""


class DataError(XtransferError, ValueError):
    """A data file that is there but cannot be read as its release format."""
