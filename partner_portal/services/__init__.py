"""The domain. No Flask request objects here: services take plain values, an explicit
actor and ``now``, flush but never commit, and raise the typed errors in ``errors``."""
