"""The exceptions of the library; the CLI turns each into one line and an exit code.

KgError
├── UsageError          bad command-line usage or parameters          (exit 2)
├── InputError          unreadable or malformed input: file, line      (exit 2)
├── OutputError         an output path that cannot be written          (exit 2)
└── NonConformingError  the data does not conform (SHACL, provenance)  (exit 1)
"""


class KgError(Exception):
    """Base of every error the library raises on purpose."""

    exit_code = 2


class UsageError(KgError):
    """The user asked for something that does not exist or is malformed."""


class InputError(KgError):
    """An input file is missing, unreadable or malformed; the message names file and line."""


class OutputError(KgError):
    """An output could not be written; nothing was replaced."""


class NonConformingError(KgError):
    """The data does not conform; `problems` lists each one."""

    exit_code = 1

    def __init__(self, message: str, problems: list | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []
