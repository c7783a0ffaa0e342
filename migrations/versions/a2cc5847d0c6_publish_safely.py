"""publish safely

An emailed reply keeps its original file for officers; each partner's letter has the
officer's check before publishing; an annex notes who published it, and may be built as a web page too.

Revision ID: a2cc5847d0c6
Revises: 8a2d4e6f1c35
Create Date: 2026-12-07 12:04:57.655338

"""
from alembic import op
import sqlalchemy as sa

import consult.db


# revision identifiers, used by Alembic.
revision = 'a2cc5847d0c6'
down_revision = '8a2d4e6f1c35'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('letter_checks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('stored_file_id', sa.Integer(), nullable=False),
    sa.Column('words', sa.Text(), nullable=False),
    sa.Column('left_out_pages', sa.String(length=500), nullable=False),
    sa.Column('left_out', sa.Boolean(), nullable=False),
    sa.Column('checked_by_id', sa.Integer(), nullable=True),
    sa.Column('checked_at', consult.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['checked_by_id'], ['users.id'], name=op.f('fk_letter_checks_checked_by_id_users')),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'], name=op.f('fk_letter_checks_consultation_id_consultations')),
    sa.ForeignKeyConstraint(['stored_file_id'], ['stored_files.id'], name=op.f('fk_letter_checks_stored_file_id_stored_files')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_letter_checks')),
    sa.UniqueConstraint('stored_file_id', name=op.f('uq_letter_checks_stored_file_id'))
    )
    with op.batch_alter_table('letter_checks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_letter_checks_consultation_id'), ['consultation_id'], unique=False)

    with op.batch_alter_table('annex_builds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('published_at', consult.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('published_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_annex_builds_published_by_id_users'), 'users', ['published_by_id'], ['id'])
        batch_op.drop_constraint('format', type_='check')
        batch_op.create_check_constraint('format', "format IN ('pdf', 'docx', 'html')")

    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source_file_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_responses_source_file_id_stored_files'), 'stored_files', ['source_file_id'], ['id'])



def downgrade():
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_responses_source_file_id_stored_files'), type_='foreignkey')
        batch_op.drop_column('source_file_id')

    with op.batch_alter_table('annex_builds', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_annex_builds_published_by_id_users'), type_='foreignkey')
        batch_op.drop_column('published_by_id')
        batch_op.drop_constraint('format', type_='check')
        batch_op.create_check_constraint('format', "format IN ('pdf', 'docx')")
        batch_op.drop_column('published_at')

    with op.batch_alter_table('letter_checks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_letter_checks_consultation_id'))

    op.drop_table('letter_checks')
