"""urgent tasks and each task's last activity

`tasks.urgent` (false for every existing task) and `tasks.last_activity_at`, backfilled from
the task's newest event in the log (its creation time when the log has none), then made NOT
NULL. On SQLite the tasks table is rebuilt (batch "recreate") and keeps its AUTOINCREMENT.

Revision ID: f3a8c1d27b60
Revises: e234441ca969
Create Date: 2026-12-01 21:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f3a8c1d27b60'
down_revision = 'e234441ca969'
branch_labels = None
depends_on = None

# A rebuilt SQLite table keeps AUTOINCREMENT: its ids are never handed out again.
KEEP_IDS = {"sqlite_autoincrement": True}


def upgrade():
    with op.batch_alter_table('tasks', schema=None, table_kwargs=KEEP_IDS) as batch_op:
        batch_op.add_column(
            sa.Column('urgent', sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column('last_activity_at', sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE tasks SET last_activity_at = COALESCE("
        "(SELECT max(task_events.created_at) FROM task_events"
        " WHERE task_events.task_id = tasks.id), tasks.created_at)"
    )
    with op.batch_alter_table('tasks', schema=None, table_kwargs=KEEP_IDS) as batch_op:
        batch_op.alter_column(
            'last_activity_at', existing_type=sa.DateTime(timezone=True), nullable=False
        )
        batch_op.create_index(batch_op.f('ix_tasks_last_activity_at'), ['last_activity_at'], unique=False)


def downgrade():
    with op.batch_alter_table('tasks', schema=None, table_kwargs=KEEP_IDS) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tasks_last_activity_at'))
        batch_op.drop_column('last_activity_at')
        batch_op.drop_column('urgent')
