"""Logging that never writes down a partner's token."""

import logging
import re

_TOKEN_IN_PATH = re.compile(r"/r/[A-Za-z0-9_\-]{8,}")


class TokenMaskingFilter(logging.Filter):
    """Rewrites /r/<token> as /r/[token] in the finished message of every record."""

    def filter(self, record):
        message = record.getMessage()
        masked = _TOKEN_IN_PATH.sub("/r/[token]", message)
        if masked != message:
            record.msg, record.args = masked, ()
        return True
