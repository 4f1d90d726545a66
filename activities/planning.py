"""Activities that ask the deadline policy for dates: the calendar is not workflow code."""

from __future__ import annotations

from datetime import datetime

from temporalio import activity
from temporalio.exceptions import ApplicationError

from deadlines import (
    DeadlinePolicy,
    DeadlineRefused,
    PlannedMilestone,
    ScheduledStep,
    WorkingCalendar,
    due_after_event,
    due_on_day,
    plan_milestones,
    schedule_steps,
)
from models.workflow_messages import (
    DueAfterEventRequest,
    DueOnDayRequest,
    FirstPlanRequest,
    MilestonePlan,
    PlanTaskRequest,
    ScheduleRequest,
)
from settings import Settings
from workflows.first_plan import first_steps


class PlanningActivities:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    def calendar(self, year: int) -> WorkingCalendar:
        return self._settings.working_calendar(year)

    def policy(self, task_code: str) -> DeadlinePolicy:
        return self._settings.policy(task_code)

    @activity.defn(name="plan_task_milestones")
    def plan_task_milestones(self, request: PlanTaskRequest) -> list[PlannedMilestone]:
        return self._milestones(
            request, self.calendar(request.year), self.policy(request.task_code)
        )

    def _milestones(
        self, request: PlanTaskRequest, calendar: WorkingCalendar, policy: DeadlinePolicy
    ) -> list[PlannedMilestone]:
        try:
            return plan_milestones(
                request.deadline_text,
                year=request.year,
                task_title=request.title,
                calendar=calendar,
                policy=policy,
                written_year=request.written_year,
                last_year=request.last_year,
            )
        except DeadlineRefused as refused:
            raise ApplicationError(
                f"task {request.task_code}: {refused}", type="DeadlineRefused", non_retryable=True
            ) from refused

    @activity.defn(name="plan_task")
    def plan_task(self, request: FirstPlanRequest) -> list[MilestonePlan]:
        """`plan_task_milestones`, then `schedule_milestone` of each milestone from `now`: the
        calls a task's first run makes, in one (the policy and calendar read once for both)."""
        task = request.task
        calendar, policy = self.calendar(task.year), self.policy(task.task_code)
        milestones = self._milestones(task, calendar, policy)
        return first_steps(milestones, request.now, calendar=calendar, policy=policy)

    @activity.defn(name="schedule_milestone")
    def schedule_milestone(self, request: ScheduleRequest) -> list[ScheduledStep]:
        return schedule_steps(
            request.milestone,
            calendar=self.calendar(request.year),
            policy=self.policy(request.task_code),
            after=request.after,
            until=request.until,
        )

    @activity.defn(name="due_after_event")
    def due_after_event(self, request: DueAfterEventRequest) -> datetime:
        return due_after_event(
            request.milestone,
            event_date=request.event.occurred_on,
            event_due=request.event.due_on,
            calendar=self.calendar(request.year),
            policy=self.policy(request.task_code),
        )

    @activity.defn(name="due_on_day")
    def due_on_day(self, request: DueOnDayRequest) -> datetime:
        return due_on_day(
            request.day,
            calendar=self.calendar(request.year),
            policy=self.policy(request.task_code),
        )

    def all(self) -> list[object]:
        return [
            self.plan_task_milestones,
            self.plan_task,
            self.schedule_milestone,
            self.due_after_event,
            self.due_on_day,
        ]
