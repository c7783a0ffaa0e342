"""The app as the partner-page benchmark serves it: the production settings, read from
the environment as in production, except that the session cookie may travel over plain
HTTP on this machine's loopback (in production a TLS proxy stands in front)."""

from config import ProductionConfig
from consult import create_app


class LoopbackConfig(ProductionConfig):
    SESSION_COOKIE_SECURE = False
    SESSION_COOKIE_NAME = "consult_session"  # the __Host- prefix needs HTTPS


app = create_app(LoopbackConfig)
