"""reports: task_spans and task_marks, the event log's projection, filled from the log

Every task event already carries the task as it was after the change, its status's category
included, so the category *as it was at the time* is in the log; an event without it (none
is known) takes the status's current category. The spans and marks of every task that is
not deleted are derived here by the same function that keeps them in step afterwards
(wesup.reports.history.derive).

Revision ID: d677a44f74d0
Revises: f3a8c1d27b60
Create Date: 2026-12-01 21:30:00.000000

"""
from datetime import UTC

from alembic import op
import sqlalchemy as sa

from wesup.reports import history
from wesup.reports.history import Step, derive, seconds


# revision identifiers, used by Alembic.
revision = 'd677a44f74d0'
down_revision = 'f3a8c1d27b60'
branch_labels = None
depends_on = None

BATCH = 2000


def upgrade():
    spans = op.create_table('task_spans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('began', sa.BigInteger(), nullable=False),
    sa.Column('ended', sa.BigInteger(), nullable=False),
    sa.Column('status_id', sa.Integer(), nullable=True),
    sa.Column('category', sa.String(length=16), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=True),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('chat_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], name=op.f('fk_task_spans_task_id_tasks')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_spans'))
    )
    with op.batch_alter_table('task_spans', schema=None) as batch_op:
        batch_op.create_index('ix_task_spans_ended_began', ['ended', 'began'], unique=False)
        batch_op.create_index(batch_op.f('ix_task_spans_task_id'), ['task_id'], unique=False)

    marks = op.create_table('task_marks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.BigInteger(), nullable=False),
    sa.Column('mark', sa.String(length=24), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=True),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('chat_id', sa.Integer(), nullable=True),
    sa.Column('status_id', sa.Integer(), nullable=True),
    sa.Column('seconds', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], name=op.f('fk_task_marks_task_id_tasks')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_marks'))
    )
    with op.batch_alter_table('task_marks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_task_marks_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_task_marks_task_id'), ['task_id'], unique=False)

    _fill(spans, marks)


def _utc(moment):
    """SQLite hands back naive datetimes that are UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _fill(spans, marks):
    """Derive every live task's spans and marks from its events."""
    bind = op.get_bind()
    statuses = sa.table('statuses', sa.column('id', sa.Integer), sa.column('category', sa.String))
    tasks = sa.table(
        'tasks',
        sa.column('id', sa.Integer),
        sa.column('received_at', sa.DateTime(timezone=True)),
        sa.column('deleted_at', sa.DateTime(timezone=True)),
    )
    events = sa.table(
        'task_events',
        sa.column('seq', sa.Integer),
        sa.column('task_id', sa.Integer),
        sa.column('kind', sa.String),
        sa.column('created_at', sa.DateTime(timezone=True)),
        sa.column('actor_id', sa.Integer),
        sa.column('data', sa.JSON),
    )
    categories = dict(bind.execute(sa.select(statuses.c.id, statuses.c.category)).all())
    live = bind.execute(
        sa.select(tasks.c.id, tasks.c.received_at)
        .where(tasks.c.deleted_at.is_(None))
        .order_by(tasks.c.id)
    ).all()
    for start in range(0, len(live), BATCH):
        received = {task_id: seconds(_utc(moment)) for task_id, moment in live[start : start + BATCH]}
        steps = {task_id: [] for task_id in received}
        for task_id, kind, created_at, actor_id, data in bind.execute(
            sa.select(
                events.c.task_id, events.c.kind, events.c.created_at, events.c.actor_id, events.c.data
            )
            .where(events.c.task_id.in_(list(received)), events.c.kind.like('task.%'))
            .order_by(events.c.task_id, events.c.seq)
        ):
            task = data.get('task') if isinstance(data, dict) else None
            steps[task_id].append(Step(kind, seconds(_utc(created_at)), actor_id, task or {}))
        span_rows, mark_rows = [], []
        for task_id, its_steps in steps.items():
            found_spans, found_marks = derive(received[task_id], its_steps, categories)
            span_rows += history.span_rows(task_id, found_spans)
            mark_rows += history.mark_rows(task_id, found_marks)
        if span_rows:
            bind.execute(spans.insert(), span_rows)
        if mark_rows:
            bind.execute(marks.insert(), mark_rows)


def downgrade():
    with op.batch_alter_table('task_marks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_task_marks_task_id'))
        batch_op.drop_index(batch_op.f('ix_task_marks_at'))

    op.drop_table('task_marks')
    with op.batch_alter_table('task_spans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_task_spans_task_id'))
        batch_op.drop_index('ix_task_spans_ended_began')

    op.drop_table('task_spans')
