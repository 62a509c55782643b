"""Scheduled and background jobs. Each runs in an app context and is safe to run twice."""
