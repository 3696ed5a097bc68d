"""Notifications: what is sent to whom, in the reader's words, and following."""
