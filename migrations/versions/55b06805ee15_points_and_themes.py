"""points and themes

The council's consideration: points quoted from replies, the themes they are filed under
with the council's response to each, the outcome sent back to partners, and the themes Consult suggests.

Revision ID: 55b06805ee15
Revises: a2cc5847d0c6
Create Date: 2026-12-07 12:37:46.874604

"""
from alembic import op
import sqlalchemy as sa

import consult.db


# revision identifiers, used by Alembic.
revision = '55b06805ee15'
down_revision = 'a2cc5847d0c6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('consultations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('outcome_sent_at', consult.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('outcome_sent_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_consultations_outcome_sent_by_id_users'), 'users', ['outcome_sent_by_id'], ['id'])

    op.create_table('themes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('response', sa.Text(), nullable=False),
    sa.Column('change_made', sa.Text(), nullable=False),
    sa.Column('response_state', sa.String(length=10), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', consult.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("response_state IN ('draft', 'agreed')", name=op.f('ck_themes_response_state')),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'], name=op.f('fk_themes_consultation_id_consultations')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_themes_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_themes')),
    sa.UniqueConstraint('consultation_id', 'name', name=op.f('uq_themes_consultation_id_name'))
    )
    with op.batch_alter_table('themes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_themes_consultation_id'), ['consultation_id'], unique=False)

    op.create_table('points',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('quote', sa.Text(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', consult.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('condition', 'reservation', 'concern', 'support', 'suggestion', 'other')", name=op.f('ck_points_kind')),
    sa.CheckConstraint("source IN ('comments', 'letter')", name=op.f('ck_points_source')),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'], name=op.f('fk_points_consultation_id_consultations')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_points_created_by_id_users')),
    sa.ForeignKeyConstraint(['request_id'], ['requests.id'], name=op.f('fk_points_request_id_requests')),
    sa.ForeignKeyConstraint(['response_id'], ['responses.id'], name=op.f('fk_points_response_id_responses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_points'))
    )
    with op.batch_alter_table('points', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_points_consultation_id'), ['consultation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_points_request_id'), ['request_id'], unique=False)

    op.create_table('point_themes',
    sa.Column('point_id', sa.Integer(), nullable=False),
    sa.Column('theme_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['point_id'], ['points.id'], name=op.f('fk_point_themes_point_id_points'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['theme_id'], ['themes.id'], name=op.f('fk_point_themes_theme_id_themes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('point_id', 'theme_id', name=op.f('pk_point_themes'))
    )
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_constraint('kind', type_='check')
        batch_op.create_check_constraint('kind', "kind IN ('invitation', 'reminder', 'acknowledgement', 'digest', 'link_resent', 'deadline_changed', 'account', 'outcome')")
    op.create_table('suggestion_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('suggestions', sa.JSON(), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', consult.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', consult.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name=op.f('ck_suggestion_runs_status')),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'], name=op.f('fk_suggestion_runs_consultation_id_consultations')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_suggestion_runs_requested_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_suggestion_runs'))
    )
    with op.batch_alter_table('suggestion_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_suggestion_runs_consultation_id'), ['consultation_id'], unique=False)


def downgrade():
    with op.batch_alter_table('suggestion_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_suggestion_runs_consultation_id'))

    op.drop_table('suggestion_runs')
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_constraint('kind', type_='check')
        batch_op.create_check_constraint('kind', "kind IN ('invitation', 'reminder', 'acknowledgement', 'digest', 'link_resent', 'deadline_changed', 'account')")
    op.drop_table('point_themes')
    with op.batch_alter_table('points', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_points_request_id'))
        batch_op.drop_index(batch_op.f('ix_points_consultation_id'))

    op.drop_table('points')
    with op.batch_alter_table('themes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_themes_consultation_id'))

    op.drop_table('themes')
    with op.batch_alter_table('consultations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_consultations_outcome_sent_by_id_users'), type_='foreignkey')
        batch_op.drop_column('outcome_sent_by_id')
        batch_op.drop_column('outcome_sent_at')
