"""messages sent recorded at

Sending is recorded beyond the message (audit event, request status) a batch at a time,
so a message now says when that was done; a worker lost in between leaves it empty for
the sweep. Messages already sent were recorded as they were sent.

Revision ID: 3f1c9a7d2b64
Revises: b5c87af69f45
Create Date: 2026-11-23 15:10:00.000000

"""
from alembic import op
import sqlalchemy as sa

import consult.db


# revision identifiers, used by Alembic.
revision = '3f1c9a7d2b64'
down_revision = 'b5c87af69f45'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sent_recorded_at', consult.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_messages_sent_unrecorded', ['sent_at'], unique=False, sqlite_where=sa.text("status = 'sent' AND sent_recorded_at IS NULL"), postgresql_where=sa.text("status = 'sent' AND sent_recorded_at IS NULL"))
    op.execute("UPDATE messages SET sent_recorded_at = sent_at WHERE status = 'sent'")


def downgrade():
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_index('ix_messages_sent_unrecorded', sqlite_where=sa.text("status = 'sent' AND sent_recorded_at IS NULL"), postgresql_where=sa.text("status = 'sent' AND sent_recorded_at IS NULL"))
        batch_op.drop_column('sent_recorded_at')
