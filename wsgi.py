"""WSGI entry point: ``gunicorn wsgi:app``; ``flask --app wsgi …`` finds it too."""

from partner_portal import create_app

app = create_app()
