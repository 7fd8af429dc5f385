"""评价: indicators recomputable from events, scorecards, ratings and accountability."""
