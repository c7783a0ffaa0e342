"""Logging that never writes down a secret link's token."""

import logging
import re

# Every path that carries a token: a partner's link (/r/<token>) and a staff member's
# single-use invitation to choose a password (/invitations/<token>).
_TOKEN_IN_PATH = re.compile(r"/(r|invitations)/[A-Za-z0-9_\-]{8,}")


class TokenMaskingFilter(logging.Filter):
    """Rewrites /r/<token> as /r/[token], and /invitations/<token> as
    /invitations/[token], in the finished message of every record."""

    def filter(self, record):
        message = record.getMessage()
        masked = _TOKEN_IN_PATH.sub(r"/\1/[token]", message)
        if masked != message:
            record.msg, record.args = masked, ()
        return True
