"""Votes: polls and ballots in a meeting, majority, proxies, online consultations."""
