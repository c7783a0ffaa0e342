"""invitations prepared at

The worker stores a large consultation's invitations after the officer issues it; a
consultation notes when the last was stored. Those issued before were complete at issue.

Revision ID: 8a2d4e6f1c35
Revises: 3f1c9a7d2b64
Create Date: 2026-11-23 16:20:00.000000

"""
from alembic import op
import sqlalchemy as sa

import consult.db


# revision identifiers, used by Alembic.
revision = '8a2d4e6f1c35'
down_revision = '3f1c9a7d2b64'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('consultations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('invitations_prepared_at', consult.db.UTCDateTime(timezone=True), nullable=True))
    op.execute("UPDATE consultations SET invitations_prepared_at = COALESCE(issued_at, created_at) WHERE state <> 'draft'")


def downgrade():
    with op.batch_alter_table('consultations', schema=None) as batch_op:
        batch_op.drop_column('invitations_prepared_at')
