"""Consiglio: the deliberation platform of the Consiglio di indirizzo del welfare of Brescia."""
