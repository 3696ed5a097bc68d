"""The discussion of a proposal: comments, their rules and moderation, reading threads."""
