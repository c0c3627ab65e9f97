"""live pages indexes: open and recently resolved tasks found without walking the history

Each single-column index on agent_id, group_id and resolved_at gives way to one that adds
what the live pages narrow it by: (agent_id, resolved_at) for a person's open tasks and those
they resolved this shift, (group_id, resolved_at) for a line's queue, (resolved_at,
received_at) for everybody's open tasks and a period's (All tasks). With the old ones, My
tasks walked every task a person ever had, and All tasks every task received before the end
of the day. Plain CREATE / DROP INDEX: no table is rebuilt, on SQLite either.

Revision ID: 92cfbf766756
Revises: 7b3f2c91d0a4
Create Date: 2026-12-01 21:35:47.892333

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '92cfbf766756'
down_revision = '7b3f2c91d0a4'
branch_labels = None
depends_on = None

REPLACED = (  # (old index, its column) -> the new index with its columns
    (('ix_tasks_agent_id', 'agent_id'), ('ix_tasks_agent_id_resolved_at', ['agent_id', 'resolved_at'])),
    (('ix_tasks_group_id', 'group_id'), ('ix_tasks_group_id_resolved_at', ['group_id', 'resolved_at'])),
    (('ix_tasks_resolved_at', 'resolved_at'), ('ix_tasks_resolved_at_received_at', ['resolved_at', 'received_at'])),
)


def upgrade():
    for (old, _column), (new, columns) in REPLACED:
        op.create_index(new, 'tasks', columns, unique=False)
        op.drop_index(old, table_name='tasks')


def downgrade():
    for (old, column), (new, _columns) in REPLACED:
        op.create_index(old, 'tasks', [column], unique=False)
        op.drop_index(new, table_name='tasks')
