"""The error classes every package shares (the ground floor: imports nothing of the project).

Every failure a user can cause (a bad path, a corrupt file, no network) raises a
subclass of :class:`CnnkitError` whose message is one readable line. The CLI turns
these, and only these, into a red message and exit code 1; anything else is a bug
and keeps its traceback.
"""


class CnnkitError(Exception):
    """Base class of every error cnnkit reports to a user as one line."""


class DataError(CnnkitError):
    """The dataset is missing, malformed, or does not match its checksum."""


class DownloadError(DataError):
    """No mirror delivered a file whose contents match the expected checksum."""


class ModelError(CnnkitError):
    """A model file is missing, corrupt, or not the network cnnkit expects."""


class ConfigError(CnnkitError):
    """An option is out of range or contradicts another option."""
