"""The site root and a health check."""

from flask import Blueprint, jsonify, redirect, url_for
from flask_login import current_user
from sqlalchemy import text

from ...extensions import db

bp = Blueprint("public", __name__)


@bp.route("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for("partner.home" if current_user.is_partner else "admin.home"))
    return redirect(url_for("auth.login"))


@bp.route("/healthz")
def healthz():
    db.session.execute(text("SELECT 1"))
    return jsonify(status="ok")


@bp.route("/creatives/<file_name>")
def creative_file(file_name: str):
    """An active banner, for partners' sites to embed (the name is random and only handed
    out in snippets). Served with its checked type, never sniffed, never run."""
    from flask import abort, current_app, send_file

    from ...services.creative_files import stored_path
    from ...services.creatives import public_banner

    creative = public_banner(file_name)
    path = stored_path(file_name, current_app.config["CREATIVES_DIR"]) if creative else None
    if path is None or not path.is_file():
        abort(404)
    response = send_file(path, mimetype=creative.content_type, max_age=86400, conditional=True)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response
