"""sign-in hardening: users.session_epoch

Revision ID: 5c1e0a7d2b94
Revises: 19e84d923e72
Create Date: 2026-11-30 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5c1e0a7d2b94'
down_revision = '19e84d923e72'
branch_labels = None
depends_on = None


def upgrade():
    # 0 keeps every session signed in before the upgrade working (models.User.session_stamp).
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_epoch', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_epoch')
