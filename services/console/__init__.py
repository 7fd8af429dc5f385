"""The web console (控制台): pages for every role over the five services' own APIs; it owns no domain data."""
