"""清单: the catalogue of street duties, versioned, with its legal basis and grid map."""
