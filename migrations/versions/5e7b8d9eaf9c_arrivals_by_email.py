"""arrivals by email

Emails read from the reply mailbox (kept whole, then filed as replies, bounces or
automatic replies), how far each mailbox is read, and when a sent message bounced.

Revision ID: 5e7b8d9eaf9c
Revises: 55b06805ee15
Create Date: 2026-12-07 15:50:46.754217

"""
from alembic import op
import sqlalchemy as sa

import consult.db


# revision identifiers, used by Alembic.
revision = '5e7b8d9eaf9c'
down_revision = '55b06805ee15'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('mailbox_positions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mailbox', sa.String(length=320), nullable=False),
    sa.Column('uid_validity', sa.BigInteger(), nullable=False),
    sa.Column('last_uid', sa.BigInteger(), nullable=False),
    sa.Column('read_at', consult.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reading_until', consult.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('last_error_at', consult.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mailbox_positions')),
    sa.UniqueConstraint('mailbox', name=op.f('uq_mailbox_positions_mailbox'))
    )
    op.create_table('arrivals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mailbox', sa.String(length=320), nullable=False),
    sa.Column('uid_validity', sa.BigInteger(), nullable=False),
    sa.Column('uid', sa.BigInteger(), nullable=False),
    sa.Column('message_id', sa.String(length=998), nullable=False),
    sa.Column('raw_file_id', sa.Integer(), nullable=False),
    sa.Column('received_at', consult.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('stored_at', consult.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('filed_at', consult.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('sender_name', sa.String(length=200), nullable=False),
    sa.Column('sender_address', sa.String(length=320), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('sent_at', consult.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('words', sa.Text(), nullable=False),
    sa.Column('attachments', sa.JSON(), nullable=False),
    sa.Column('failures', sa.JSON(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=True),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('answers_message_id', sa.Integer(), nullable=True),
    sa.Column('matched_by', sa.String(length=10), nullable=True),
    sa.Column('matched_by_user_id', sa.Integer(), nullable=True),
    sa.Column('response_id', sa.Integer(), nullable=True),
    sa.Column('dismissed_at', consult.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('dismissed_by_id', sa.Integer(), nullable=True),
    sa.Column('problem', sa.Text(), nullable=False),
    sa.CheckConstraint("kind IN ('waiting', 'reply', 'bounce', 'auto_reply')", name=op.f('ck_arrivals_kind')),
    sa.ForeignKeyConstraint(['answers_message_id'], ['messages.id'], name=op.f('fk_arrivals_answers_message_id_messages')),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'], name=op.f('fk_arrivals_consultation_id_consultations')),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_arrivals_contact_id_contacts')),
    sa.ForeignKeyConstraint(['dismissed_by_id'], ['users.id'], name=op.f('fk_arrivals_dismissed_by_id_users')),
    sa.ForeignKeyConstraint(['matched_by_user_id'], ['users.id'], name=op.f('fk_arrivals_matched_by_user_id_users')),
    sa.ForeignKeyConstraint(['raw_file_id'], ['stored_files.id'], name=op.f('fk_arrivals_raw_file_id_stored_files')),
    sa.ForeignKeyConstraint(['request_id'], ['requests.id'], name=op.f('fk_arrivals_request_id_requests')),
    sa.ForeignKeyConstraint(['response_id'], ['responses.id'], name=op.f('fk_arrivals_response_id_responses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_arrivals')),
    sa.UniqueConstraint('mailbox', 'uid_validity', 'uid', name='uq_arrivals_mailbox_uid')
    )
    with op.batch_alter_table('arrivals', schema=None) as batch_op:
        batch_op.create_index('ix_arrivals_consultation_id', ['consultation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_arrivals_request_id'), ['request_id'], unique=False)
        batch_op.create_index('ix_arrivals_unmatched', ['received_at'], unique=False, sqlite_where=sa.text('request_id IS NULL AND dismissed_at IS NULL'), postgresql_where=sa.text('request_id IS NULL AND dismissed_at IS NULL'))
        batch_op.create_index('uq_arrivals_message_id', ['message_id'], unique=True, sqlite_where=sa.text("message_id <> ''"), postgresql_where=sa.text("message_id <> ''"))

    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bounced_at', consult.db.UTCDateTime(timezone=True), nullable=True))



def downgrade():
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_column('bounced_at')

    with op.batch_alter_table('arrivals', schema=None) as batch_op:
        batch_op.drop_index('uq_arrivals_message_id', sqlite_where=sa.text("message_id <> ''"), postgresql_where=sa.text("message_id <> ''"))
        batch_op.drop_index('ix_arrivals_unmatched', sqlite_where=sa.text('request_id IS NULL AND dismissed_at IS NULL'), postgresql_where=sa.text('request_id IS NULL AND dismissed_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_arrivals_request_id'))
        batch_op.drop_index('ix_arrivals_consultation_id')

    op.drop_table('arrivals')
    op.drop_table('mailbox_positions')
