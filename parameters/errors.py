"""The error a user's input raises: one message, meant for them, naming the key and the fix.

Its own module so that the command line can tell bad input from a bug without importing
the scenario schema."""


class ScenarioError(ValueError):
    """A scenario file or override that cannot be run, with a message meant for the user."""
