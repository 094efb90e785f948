"""Developer commands of the service (not deployed)."""
