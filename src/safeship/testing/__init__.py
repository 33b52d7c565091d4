"""Public helpers for plugin authors and tests: detector doubles and a contract checker."""

from safeship.testing.doubles import AlwaysErrorDetector, AlwaysFlagDetector, AlwaysPassDetector

__all__ = ["AlwaysErrorDetector", "AlwaysFlagDetector", "AlwaysPassDetector"]
