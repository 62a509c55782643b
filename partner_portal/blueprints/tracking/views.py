from __future__ import annotations

from flask import render_template

from . import bp


@bp.route("/r/<code>")
def click(code: str):
    """Live links are answered by the click path in front of Flask (``clickpath.py``);
    what reaches this view is an unknown, paused or otherwise dead link."""
    return render_template("errors/link_not_found.html"), 404
