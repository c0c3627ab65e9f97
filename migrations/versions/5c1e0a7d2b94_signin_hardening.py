"""sign-in hardening: users.session_epoch, the installation row

Revision ID: 5c1e0a7d2b94
Revises: 483c6be2ea38
Create Date: 2026-11-30 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5c1e0a7d2b94'
down_revision = '483c6be2ea38'
branch_labels = None
depends_on = None


def upgrade():
    # 0 keeps every session signed in before the upgrade working (models.User.session_stamp).
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_epoch', sa.Integer(), server_default='0', nullable=False))
    op.create_table('installation',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('set_up_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('id = 1', name=op.f('ck_installation_one_row')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_installation'))
    )
    # An installation that has people was set up already (its setup link is spent anyway).
    op.execute(
        "INSERT INTO installation (id, set_up_at) "
        "SELECT 1, CURRENT_TIMESTAMP WHERE EXISTS (SELECT 1 FROM users)"
    )


def downgrade():
    op.drop_table('installation')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_epoch')
