"""Scenarios: their schema, files, sources and unit costs."""

#: The place `locality run` and the app start from unless told another.
DEFAULT_SCENARIO = "thanet"
