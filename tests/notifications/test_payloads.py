"""The notification payloads read and write the words already in recorded histories."""

from __future__ import annotations

from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import pydantic_data_converter

from deadlines import StepAudience
from models.payloads import DeliveryOutcome, MessageKind, NotificationOutcome, NotificationRequest

# As tests/histories/fixed-closed-on-time.json holds them (that history predates the last two
# fields of a request).
CLOSING = (
    '{"key":"snv-binh-dinh-cchc-2023/II.3/1/closing/lead/2023-03-20T02:00:00.002000+00:00",'
    '"workflow_id":"snv-binh-dinh-cchc-2023/II.3","kind":"closing",'
    '"plan_key":"snv-binh-dinh-cchc-2023","task_code":"II.3","task_title":"Kế hoạch",'
    '"milestone_key":"1","milestone_label":"","scheduled_at":"2023-03-20T02:00:00.002000Z",'
    '"recipients":["van-phong"],"due_at":"2023-03-31T10:00:00Z","evidence_hint":"","note":"",'
    '"audience":"","requested_by":"","requested_due_at":null}'
)
REMINDER_OUTCOME = (
    '{"key":"snv-binh-dinh-cchc-2023/II.3/1/reminder/lead/2023-03-17T01:00:00+00:00",'
    '"per_unit":{"van-phong":"sent"}}'
)


def _round_trip(data: str, kind: type[object]) -> tuple[object, str]:
    converter = pydantic_data_converter.payload_converter
    payload = Payload(metadata={"encoding": b"json/plain"}, data=data.encode())
    [value] = converter.from_payloads([payload], [kind])
    [again] = converter.to_payloads([value])
    return value, again.data.decode()


def test_a_recorded_request_reads_as_the_typed_payload_and_writes_back_the_same() -> None:
    request, written = _round_trip(CLOSING, NotificationRequest)
    assert isinstance(request, NotificationRequest)
    assert request.kind is MessageKind.CLOSING
    assert request.audience == ""
    # The words it was written in, then the fields added since, at their defaults.
    assert written == CLOSING[:-1] + (
        ',"event_key":"","event_text":"","decision":null,"summary_year":null,"task_codes":[]}'
    )


def test_a_recorded_outcome_reads_as_delivery_outcomes_and_writes_back_the_same() -> None:
    outcome, written = _round_trip(REMINDER_OUTCOME, NotificationOutcome)
    assert isinstance(outcome, NotificationOutcome)
    assert outcome.per_unit == {"van-phong": DeliveryOutcome.SENT}
    assert written == REMINDER_OUTCOME


def test_an_audience_is_a_step_audience_on_the_wire_too() -> None:
    request, _ = _round_trip(
        CLOSING.replace('"audience":""', '"audience":"lead"'), NotificationRequest
    )
    assert isinstance(request, NotificationRequest)
    assert request.audience is StepAudience.LEAD
