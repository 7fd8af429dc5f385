"""Admission's HTTP routes."""

from services.admission.api import answers, applications

routers = [applications.router, answers.router]
