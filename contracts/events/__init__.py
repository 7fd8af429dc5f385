"""Integration events by producer; each module is one producer's stream."""
