"""The status of a task assigned to a unit, in one place, for a task done once and for a recurring task
(Task.times_per_week: e.g. broadcasting three times a week until the deadline), reported week by week."""

import datetime

from ..models import TaskStatus

WEEK = datetime.timedelta(days=7)
# The most times a recurring task's report may say it was done in one week.
MAX_TIMES_PER_WEEK = 100


def assignment_status(deadline: datetime.date, done_on: datetime.date | None, today: datetime.date) -> str:
    """A task assignment's status: done (reported done on or before the deadline), done_late (after it),
    not_done (no report and the deadline has passed) or open (no report yet, the deadline not passed)."""
    if done_on is not None:
        return TaskStatus.DONE if done_on <= deadline else TaskStatus.DONE_LATE
    return TaskStatus.NOT_DONE if today > deadline else TaskStatus.OPEN


def week_of(day: datetime.date) -> datetime.date:
    """The Monday of `day`'s week (a recurring task's reports count by week, Monday to Sunday)."""
    return day - datetime.timedelta(days=day.weekday())


def task_weeks(issued: datetime.date, deadline: datetime.date) -> list[datetime.date]:
    """The weeks (their Mondays) a recurring task issued on `issued` runs until `deadline`: from the first
    whole week after the day of issue (the week of issue itself when issued on a Monday) to the deadline's
    week; a task shorter than that runs in the week of issue."""
    first = week_of(issued) if issued.weekday() == 0 else week_of(issued) + WEEK
    if first > deadline:
        return [week_of(issued)]
    return [first + k * WEEK for k in range((week_of(deadline) - first) // WEEK + 1)]


def weeks_due(issued: datetime.date, deadline: datetime.date, today: datetime.date) -> list[datetime.date]:
    """The weeks of a recurring task that count on `today`: those ended before it, and all of them once the
    deadline has passed."""
    weeks = task_weeks(issued, deadline)
    if today > deadline:
        return weeks
    return [week for week in weeks if week + WEEK <= today]


def recurring_status(
    weeks: list[datetime.date], times_by_week: dict[datetime.date, int], times_per_week: int, deadline, today
) -> tuple[str, int]:
    """(status, weeks met) of a recurring task's assignment: open until the deadline has passed, then done
    when every week of the task was done `times_per_week` times, else not_done. `weeks` are the weeks that
    count on `today` (weeks_due), `times_by_week` the times reported per week (reports not returned)."""
    met = sum(1 for week in weeks if times_by_week.get(week, 0) >= times_per_week)
    if today <= deadline:
        return TaskStatus.OPEN, met
    return (TaskStatus.DONE if met == len(weeks) else TaskStatus.NOT_DONE), met
