"""Evaluation's HTTP routes, one router per concern."""

from fastapi import APIRouter

from services.evaluation.api import assessment, assignments, findings, indicators, scorecards

ROUTERS: tuple[APIRouter, ...] = (
    assignments.router,
    indicators.router,
    assessment.router,
    scorecards.router,
    findings.router,
)
