"""Who takes part: zones, Punti di comunità, organisations, topics."""
