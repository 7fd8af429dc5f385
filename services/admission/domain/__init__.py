"""Admission rules (职责准入), pure: the application, its automatic checks, the route and its progress."""
