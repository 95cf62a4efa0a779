"""One exception family, so the CLI prints a clean message instead of a traceback."""


class Tao2dsError(Exception):
    """A problem with the user's input or environment, with a message that says how to fix it."""


class ConfigError(Tao2dsError):
    pass


class CapabilityError(Tao2dsError):
    pass


class ModelError(Tao2dsError):
    pass


class StaleBuildError(Tao2dsError):
    pass
