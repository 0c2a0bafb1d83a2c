"""The errors aws-login reports. Each message says what went wrong and what to do next.

`cli.main` is the one place that turns these into `aws-login: error: ...` and an exit code.
Messages must never contain secrets: callers pass only names, ARNs and AWS error codes.
"""

from __future__ import annotations

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class AwsLoginError(Exception):
    """Base class: an error with a one-line message and an exit code."""

    exit_code = EXIT_FAILED

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UsageError(AwsLoginError):
    """Bad input, detected before any network call (exit 2)."""

    exit_code = EXIT_USAGE


class OperationError(AwsLoginError):
    """The operation failed: AWS refused, the network failed, a sign-in expired (exit 1)."""

    exit_code = EXIT_FAILED


class NoCredentialsError(OperationError):
    """No starting credentials could be found."""


class AwsCallError(OperationError):
    """An AWS API call failed. `code` is AWS's error code (or a network error class);
    `transient`: the same call may succeed later (network, HTTP 5xx, throttling)."""

    def __init__(self, operation: str, code: str, detail: str, *,
                 transient: bool = False) -> None:
        self.operation = operation
        self.code = code
        self.detail = detail
        self.transient = transient
        super().__init__(f"{operation}: {code}: {detail}" if detail else f"{operation}: {code}")

    def within(self, step: str) -> OperationError:
        """The same failure, named after the step of the plan it happened in."""
        return OperationError(f"{step}: {self.code}: {self.detail}" if self.detail
                              else f"{step}: {self.code}")


class ChildProgramError(AwsLoginError):
    """`runas` could not start the program (exit 127, as shells do)."""

    exit_code = 127
