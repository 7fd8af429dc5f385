"""Evaluation's HTTP routes, one router per concern."""

from fastapi import APIRouter

from services.evaluation.api import assignments, indicators

ROUTERS: tuple[APIRouter, ...] = (assignments.router, indicators.router)
