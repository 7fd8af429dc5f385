"""HTTP routes of the catalogue, one module per area."""
