"""A topic run reads its status and end from its job: topic_runs loses status and finished_at.

Until now a run and its job each kept a status and an end time, written by hand side by side.
Where they disagree the run's word is kept, by writing it onto the job first: a run marked
failed (its process died) whose job still says queued or running fails that job with the
error the workbench writes for such runs; a run that stored its results (succeeded) whose job
was never marked done gets the job succeeded. The end time is the run's. A run without a job
(the job was deleted) reads as failed from now on.

The downgrade adds both columns back and fills them from the jobs (failed without a job).

Revision ID: f9c80c45cda3
Revises: fc91dadbbf03
Create Date: 2026-12-03 23:06:01.066508
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import workbench.db

revision: str = "f9c80c45cda3"
down_revision: str | None = "fc91dadbbf03"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JOB_STATUS = sa.Enum(
    "queued", "running", "succeeded", "failed", name="jobstatus", native_enum=False, length=32
)
#: As ``workbench.topics.runs.INTERRUPTED`` (a migration does not import the app's code).
INTERRUPTED = "Interrupted: the process running it stopped."
#: The run's end, else the job's last sign of life.
RUN_END = (
    "COALESCE((SELECT MAX(topic_runs.finished_at) FROM topic_runs"
    " WHERE topic_runs.job_id = jobs.id), jobs.heartbeat_at, jobs.started_at, jobs.created_at)"
)
UNFINISHED_JOB_OF_A_RUN = (
    "jobs.status IN ('queued', 'running') AND jobs.id IN "
    "(SELECT topic_runs.job_id FROM topic_runs "
    "WHERE topic_runs.job_id IS NOT NULL AND topic_runs.status = :run_status)"
)


def upgrade() -> None:
    op.execute(
        sa.text(
            f"UPDATE jobs SET status = 'failed', error = :error, step = 'Failed', "
            f"finished_at = {RUN_END} WHERE {UNFINISHED_JOB_OF_A_RUN}"
        ).bindparams(error=INTERRUPTED, run_status="failed")
    )
    op.execute(
        sa.text(
            f"UPDATE jobs SET status = 'succeeded', progress = 1.0, step = 'Done', "
            f"finished_at = {RUN_END} WHERE {UNFINISHED_JOB_OF_A_RUN}"
        ).bindparams(run_status="succeeded")
    )

    with op.batch_alter_table("topic_runs", schema=None) as batch_op:
        batch_op.drop_column("status")
        batch_op.drop_column("finished_at")


def downgrade() -> None:
    with op.batch_alter_table("topic_runs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("status", JOB_STATUS, nullable=False, server_default="failed")
        )
        batch_op.add_column(
            sa.Column("finished_at", workbench.db.UTCDateTime(timezone=True), nullable=True)
        )

    op.execute(
        "UPDATE topic_runs SET "
        "status = COALESCE((SELECT jobs.status FROM jobs WHERE jobs.id = topic_runs.job_id),"
        " 'failed'), "
        "finished_at = (SELECT jobs.finished_at FROM jobs WHERE jobs.id = topic_runs.job_id)"
    )

    with op.batch_alter_table("topic_runs", schema=None) as batch_op:
        batch_op.alter_column("status", existing_type=JOB_STATUS, server_default=None)
