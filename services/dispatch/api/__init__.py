"""Dispatch's HTTP routes: cases, tasks, Open311 GeoReport v2."""

from services.dispatch.api import assisted, cases, grids, open311, streets, tasks, triage

ROUTERS = (cases.router, tasks.router, open311.router, grids.router, triage.router, streets.router, assisted.router)
