"""Accounts: registration, logging in, sessions, passwords, two-step sign-in."""
