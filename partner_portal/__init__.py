"""partner-portal: an affiliate partner management portal."""

from __future__ import annotations

import os

from flask import Flask

__version__ = "0.1.0"


def create_app(config_name: str | None = None, **overrides) -> Flask:
    """Build the application. Nothing happens at import time; everything happens here."""
    from config import CONFIGS, env_name, finish

    config_class = CONFIGS[env_name(config_name)]
    app = Flask(__name__, template_folder="../templates", static_folder="../static",
                instance_path=str(overrides.get("INSTANCE_DIR", config_class.INSTANCE_DIR)))
    from .jsonio import ExactJSONProvider

    app.json = ExactJSONProvider(app)
    app.config.from_object(config_class)
    app.config.update(overrides)
    finish(app.config)  # the signing key, BASE_URL, trusted hosts, the body limit

    register_extensions(app)
    register_security(app)
    register_blueprints(app)
    register_errors(app)
    register_units_of_work(app)
    register_template_helpers(app)
    register_cli(app)
    register_click_path(app)
    register_proxy(app)  # outermost, so every layer sees the real client address
    return app


def register_click_path(app: Flask) -> None:
    from .blueprints.tracking.clickpath import ClickPath

    app.wsgi_app = ClickPath(app, app.wsgi_app)


def register_proxy(app: Flask) -> None:
    """Trust X-Forwarded-* only from the configured number of proxies."""
    hops_for, hops_proto = app.config["PROXY_FIX_X_FOR"], app.config["PROXY_FIX_X_PROTO"]
    if hops_for or hops_proto:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops_for, x_proto=hops_proto)


def register_extensions(app: Flask) -> None:
    from . import link_cache, mail
    from .blueprints.auth.session import load_user
    from .db_sqlite import engine_options
    from .extensions import csrf, db, limiter, login_manager, migrate
    from .services.click_spool import ClickSpool
    from .services.clickids import codec_for

    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(
        app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}), app.config["SQLALCHEMY_DATABASE_URI"])
    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(__file__), "..", "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    login_manager.user_loader(load_user)
    mail.init_app(app, db.session.session_factory)
    link_cache.init_app(app, db.session.session_factory)
    app.extensions["pp_click_spool"] = ClickSpool(app.config["CLICK_SPOOL_DIR"])
    app.extensions["pp_click_codec"] = codec_for(app.config)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        from .db_sqlite import configure_sqlite

        with app.app_context():
            configure_sqlite(db.engine)


def register_security(app: Flask) -> None:
    from .security import register

    register(app)


def register_blueprints(app: Flask) -> None:
    from .blueprints.admin import bp as admin_bp
    from .blueprints.api import bp as api_bp
    from .blueprints.auth import bp as auth_bp
    from .blueprints.partner import bp as partner_bp
    from .blueprints.public import bp as public_bp
    from .blueprints.tracking import bp as tracking_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(tracking_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(partner_bp, url_prefix="/partner")
    app.register_blueprint(api_bp, url_prefix="/api/v1")


def register_errors(app: Flask) -> None:
    from .blueprints.errors import register

    register(app)


def register_units_of_work(app: Flask) -> None:
    from .blueprints.units import register

    register(app)


def register_template_helpers(app: Flask) -> None:
    from .templating import register

    register(app)


def register_cli(app: Flask) -> None:
    from .cli import register

    register(app)
