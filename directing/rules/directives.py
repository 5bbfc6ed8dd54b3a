"""The status of a task assigned to a unit, in one place."""

import datetime

from ..models import TaskStatus


def assignment_status(deadline: datetime.date, done_on: datetime.date | None, today: datetime.date) -> str:
    """A task assignment's status: done (reported done on or before the deadline), done_late (after it),
    not_done (no report and the deadline has passed) or open (no report yet, the deadline not passed)."""
    if done_on is not None:
        return TaskStatus.DONE if done_on <= deadline else TaskStatus.DONE_LATE
    return TaskStatus.NOT_DONE if today > deadline else TaskStatus.OPEN
