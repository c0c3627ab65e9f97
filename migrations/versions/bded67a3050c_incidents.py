"""incidents: one outage, many chats' tasks linked under one title

`incidents` (open or resolved, who and when, the resolve message) and `incident_tasks`, the
links; an unlinked task keeps its row (unlinked_at, by whom). The partial unique index
`ux_incident_tasks_one_open` lets a task hold one link of an open incident at most. New
tables only: nothing is rebuilt.

Revision ID: bded67a3050c
Revises: 48400c1080d4
Create Date: 2026-12-01 21:17:33.459773

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'bded67a3050c'
down_revision = '48400c1080d4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('incidents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('resolve_message', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_incidents_created_by_id_users')),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_incidents_resolved_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incidents')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incidents_status'), ['status'], unique=False)

    op.create_table('incident_tasks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('in_open_incident', sa.Boolean(), nullable=False),
    sa.Column('linked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('linked_by_id', sa.Integer(), nullable=False),
    sa.Column('unlinked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('unlinked_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_incident_tasks_incident_id_incidents')),
    sa.ForeignKeyConstraint(['linked_by_id'], ['users.id'], name=op.f('fk_incident_tasks_linked_by_id_users')),
    sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], name=op.f('fk_incident_tasks_task_id_tasks')),
    sa.ForeignKeyConstraint(['unlinked_by_id'], ['users.id'], name=op.f('fk_incident_tasks_unlinked_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_tasks')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('incident_tasks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incident_tasks_incident_id'), ['incident_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_incident_tasks_task_id'), ['task_id'], unique=False)
        batch_op.create_index('ux_incident_tasks_one_open', ['task_id'], unique=True, sqlite_where=sa.text('in_open_incident'), postgresql_where=sa.text('in_open_incident'))



def downgrade():
    with op.batch_alter_table('incident_tasks', schema=None) as batch_op:
        batch_op.drop_index('ux_incident_tasks_one_open', sqlite_where=sa.text('in_open_incident'), postgresql_where=sa.text('in_open_incident'))
        batch_op.drop_index(batch_op.f('ix_incident_tasks_task_id'))
        batch_op.drop_index(batch_op.f('ix_incident_tasks_incident_id'))

    op.drop_table('incident_tasks')
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incidents_status'))

    op.drop_table('incidents')
