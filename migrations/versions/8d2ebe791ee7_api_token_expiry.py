"""api token expiry: a token may be given a lifetime

`api_tokens.expires_at`, nullable: every existing token keeps working as before (null: it
never expires). Plain ADD / DROP COLUMN, on SQLite too: rebuilding api_tokens would reset its
AUTOINCREMENT counter to the highest id left, and a deleted token's id could come back.

Revision ID: 8d2ebe791ee7
Revises: 92cfbf766756
Create Date: 2026-12-02 01:27:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8d2ebe791ee7'
down_revision = '92cfbf766756'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('api_tokens', sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    op.drop_column('api_tokens', 'expires_at')
