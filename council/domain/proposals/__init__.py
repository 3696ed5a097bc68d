"""Proposals: drafting, versions, states, co-signing, amendments, the unvoted."""
