"""Fraud screening: a registry of rules (``rules.py``), each on or off with a threshold and
an action the program chooses, run on every attributed conversion (``screening.py``)."""
