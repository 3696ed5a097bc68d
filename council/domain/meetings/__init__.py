"""Meetings (sedute): agenda, convocation, attendance, speakers, the live session."""
