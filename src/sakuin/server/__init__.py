"""The HTTP API and web page over sakuin's Python API: ``create_app(settings)``, ``sakuin serve``."""

from sakuin.server.app import create_app

__all__ = ["create_app"]
