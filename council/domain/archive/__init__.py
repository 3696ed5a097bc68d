"""What was decided: decisions, their trail, implementation, minutes, open data."""
