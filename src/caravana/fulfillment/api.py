"""Parcels API: merchants create parcels and fetch labels with their token; hub systems post
scans. Another merchant's parcel is 404 (whether it exists is not theirs to know); a bad scan
is 422 naming the field, as everywhere in the API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate
from ninja.responses import Status

from caravana.access.auth import HubAuth, MerchantAuth
from caravana.access.objects import owned, owned_or_404
from caravana.api.pagination import Pagination
from caravana.api.types import Id, PositiveCount
from caravana.codes import s10 as s10_codes
from caravana.fulfillment import job_kinds as labels_jobs
from caravana.fulfillment import labels
from caravana.fulfillment.models import Bag, Parcel, Uld
from caravana.fulfillment.schemas import LoadSheetOut
from caravana.fulfillment.services import hub_steps, load_sheets, loading
from caravana.fulfillment.services import parcels as parcel_services
from caravana.jobs import launch
from caravana.jobs.models import Job
from caravana.network.models import Flight

router = Router(tags=["parcels"], auth=MerchantAuth(scope="parcels"))
hub_router = Router(tags=["parcels"], auth=HubAuth(scope="parcels"))


class ItemIn(Schema):
    description: str
    hs_code: str
    quantity: PositiveCount
    unit_value: Decimal
    currency: str = "CNY"
    unit_weight_g: PositiveCount
    origin_country: str = "CN"


class ParcelIn(Schema):
    hub: str
    service_level: str
    order_ref: str = ""
    recipient_name: str
    recipient_address: str
    recipient_city: str
    recipient_state: str = ""
    recipient_postal_code: str = ""
    recipient_country: str
    recipient_phone: str = ""
    recipient_email: str = ""
    recipient_tax_id: str = ""
    recipient_tax_id_type: str = ""
    declared_weight_g: PositiveCount
    declared_length_cm: PositiveCount
    declared_width_cm: PositiveCount
    declared_height_cm: PositiveCount
    battery: str = "none"
    ddp: bool = True
    items: list[ItemIn]


class ItemOut(Schema):
    description: str
    hs_code: str
    quantity: int
    unit_value: Decimal
    currency: str
    unit_weight_g: int


class ParcelOut(Schema):
    s10: str
    order_ref: str
    state: str
    hub: str
    service_level: str
    gateway: str
    carrier: str
    sort_code: str
    recipient_name: str
    recipient_city: str
    recipient_country: str
    declared_weight_g: int
    measured_weight_g: int | None
    declared_value: Decimal
    declared_currency: str
    battery: str
    ddp: bool
    discrepancy: bool
    shipping_difference_g: int
    shipping_difference: Decimal | None
    shipping_difference_currency: str
    bag: str | None
    created_at: dt.datetime

    @staticmethod
    def resolve_hub(obj: Parcel) -> str:
        return obj.hub.code

    @staticmethod
    def resolve_service_level(obj: Parcel) -> str:
        return obj.service_level.code

    @staticmethod
    def resolve_gateway(obj: Parcel) -> str:
        return obj.gateway.iata

    @staticmethod
    def resolve_carrier(obj: Parcel) -> str:
        return obj.carrier.code

    @staticmethod
    def resolve_bag(obj: Parcel) -> str | None:
        return obj.bag.identifier if obj.bag_id else None


class ParcelDetailOut(ParcelOut):
    items: list[ItemOut]


class LabelsIn(Schema):
    s10: list[str]


class LabelJobOut(Schema):
    id: int
    state: str
    done: int
    total: int
    message: str
    error: str
    url: str
    pdf_url: str | None
    page_url: str


class ReceiveIn(Schema):
    s10: str
    weight_g: PositiveCount
    length_cm: PositiveCount
    width_cm: PositiveCount
    height_cm: PositiveCount


class ReceiveOut(Schema):
    parcel: ParcelOut
    repeated: bool
    discrepancy: bool


class ScanIn(Schema):
    s10: str


class BagIn(Schema):
    bag: str


class UldIn(Schema):
    uld: str


class BagOut(Schema):
    identifier: str
    state: str
    gateway: str
    service_level: str
    carrier: str
    parcel_count: int
    weight_g: int
    dangerous_goods: bool
    planned_flight: str | None  # the committed flight plan's charter for it (number)
    planned_belly: str  # or the passenger flight whose belly it is booked on ("" if none)

    @staticmethod
    def resolve_gateway(obj: Bag) -> str:
        return obj.gateway.iata

    @staticmethod
    def resolve_planned_flight(obj: Bag) -> str | None:
        return obj.planned_flight.number if obj.planned_flight_id else None

    @staticmethod
    def resolve_service_level(obj: Bag) -> str:
        return obj.service_level.code

    @staticmethod
    def resolve_carrier(obj: Bag) -> str:
        return obj.carrier.code


class UldOut(Schema):
    identifier: str
    uld_type: str
    state: str
    gateway: str | None
    bag_count: int
    dg_bag_count: int
    weight_g: int
    volume_cm3: int
    flight: str | None
    position: str
    planned_flight: str | None  # the committed flight plan's charter for it (number)
    planned_belly: str  # or the passenger flight whose belly it is booked on ("" if none)

    @staticmethod
    def resolve_uld_type(obj: Uld) -> str:
        return obj.uld_type.code

    @staticmethod
    def resolve_planned_flight(obj: Uld) -> str | None:
        return obj.planned_flight.number if obj.planned_flight_id else None

    @staticmethod
    def resolve_gateway(obj: Uld) -> str | None:
        return obj.gateway.iata if obj.gateway_id else None

    @staticmethod
    def resolve_flight(obj: Uld) -> str | None:
        return obj.flight.number if obj.flight_id else None


_PARCEL_RELATED = ("hub", "service_level", "gateway", "carrier", "bag")


def _pdf(body: bytes, name: str) -> HttpResponse:
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


@router.post("/parcels", response={201: ParcelDetailOut})
def create_parcel(request: HttpRequest, payload: ParcelIn):
    """Create a parcel with its declared contents; it gets its S10 identifier at once."""
    data = payload.dict()
    parcel = parcel_services.create_parcel(request.merchant, data)
    return Status(
        201,
        Parcel.objects.select_related(*_PARCEL_RELATED).prefetch_related("items").get(pk=parcel.pk),
    )


@router.get("/parcels", response=list[ParcelOut])
@paginate(Pagination, page_size=50)
def list_parcels(request: HttpRequest, state: str | None = None):
    qs = owned(Parcel.objects.select_related(*_PARCEL_RELATED), request.merchant)
    if state:
        qs = qs.filter(state=state)
    return qs.order_by("-created_at", "-id")


@router.get("/parcels/{s10}", response=ParcelDetailOut)
def get_parcel(request: HttpRequest, s10: str):
    return owned_or_404(
        Parcel.objects.select_related(*_PARCEL_RELATED).prefetch_related("items"),
        request.merchant,
        s10=s10_codes.compact(s10),
    )


@router.get("/parcels/{s10}/label.pdf")
def parcel_label(request: HttpRequest, s10: str):
    parcels = parcel_services.parcels_for_labels(request.merchant, [s10])
    if not parcels:
        raise HttpError(404, "Not Found")
    return _pdf(labels.render_labels(parcels), f"{parcels[0].s10}.pdf")


def _label_job_out(request: HttpRequest, job: Job) -> dict:
    url = reverse("api-1:label_job", kwargs={"pk": job.pk})
    pdf = reverse("api-1:label_job_pdf", kwargs={"pk": job.pk})
    done = job.state == Job.State.DONE and bool(job.result_file)
    return {
        "id": job.pk,
        "state": job.state,
        "done": job.done,
        "total": job.total,
        "message": job.message,
        "error": job.error,
        "url": request.build_absolute_uri(url),
        "pdf_url": request.build_absolute_uri(pdf) if done else None,
        "page_url": request.build_absolute_uri(reverse("jobs:detail", kwargs={"pk": job.pk})),
    }


def _own_label_job(request: HttpRequest, pk: int) -> Job:
    """The caller's own label batch; anyone else's (or another kind of job) is 404."""
    job = Job.objects.filter(pk=pk, owner=request.user, kind=labels_jobs.LABELS).first()
    if job is None:
        raise HttpError(404, "Not Found")
    return job


@router.post("/labels", response={202: LabelJobOut})
def many_labels(request: HttpRequest, payload: LabelsIn, response: HttpResponse):
    """One PDF with a 100 × 150 mm page per parcel, in the order asked (up to 500), drawn by a
    job off the request: 202 with the job's URL (also in `Location`); poll it until `state`
    is `done`, then fetch `pdf_url`. Only which parcels are yours is checked here (one indexed
    query); drawing 500 pages takes seconds and runs in a worker."""
    # Each parcel once, in the order first asked: a repeated number is not a second page.
    wanted = list(dict.fromkeys(s10_codes.compact(s) for s in payload.s10 if s.strip()))
    if not wanted or len(wanted) > labels_jobs.MAX_LABELS:
        raise ValidationError(
            {"s10": _("Ask for between 1 and %(n)d labels.") % {"n": labels_jobs.MAX_LABELS}}
        )
    if parcel_services.count_owned_s10(request.merchant, wanted) != len(wanted):
        raise HttpError(404, "Not Found")
    job = launch.start(
        request.user, labels_jobs.LABELS, {"merchant": request.merchant.pk, "s10": wanted}
    )
    body = _label_job_out(request, job)
    response["Location"] = body["url"]
    return Status(202, body)


@router.get("/labels/jobs/{pk}", response=LabelJobOut, url_name="label_job")
def label_job(request: HttpRequest, pk: int):
    """A label batch's state and progress (`done` of `total` labels drawn); `pdf_url` once
    `state` is `done`, `error` when it is `failed`."""
    return _label_job_out(request, _own_label_job(request, pk))


@router.get("/labels/jobs/{pk}/labels.pdf", url_name="label_job_pdf")
def label_job_pdf(request: HttpRequest, pk: int):
    """The batch's PDF once the job is done; 409 while it is queued or running (or failed)."""
    job = _own_label_job(request, pk)
    if job.state != Job.State.DONE or not job.result_file:
        raise HttpError(409, _("The label batch is %(state)s, not done.") % {"state": job.state})
    response = FileResponse(job.result_file.open("rb"), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="labels-{job.pk}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@hub_router.post("/hub/receive", response=ReceiveOut)
def hub_receive(request: HttpRequest, payload: ReceiveIn):
    result = hub_steps.receive(
        request.user,
        payload.s10,
        payload.weight_g,
        payload.length_cm,
        payload.width_cm,
        payload.height_cm,
    )
    return {"parcel": result.parcel, "repeated": result.repeated, "discrepancy": result.discrepancy}


@hub_router.post("/hub/bag", response=BagOut)
def hub_sort_into_bag(request: HttpRequest, payload: ScanIn):
    return hub_steps.sort_into_bag(request.user, payload.s10)


@hub_router.post("/hub/bags/{identifier}/close", response=BagOut)
def hub_close_bag(request: HttpRequest, identifier: str):
    return hub_steps.close_bag(request.user, identifier)


@hub_router.post("/hub/ulds/{identifier}/bags", response=UldOut)
def hub_build_uld(request: HttpRequest, identifier: str, payload: BagIn):
    return loading.build_uld(request.user, identifier, payload.bag)


@hub_router.post("/hub/ulds/{identifier}/close", response=UldOut)
def hub_close_uld(request: HttpRequest, identifier: str):
    return loading.close_uld(request.user, identifier)


def _hub_flight(request: HttpRequest, flight_id: Id) -> Flight:
    return owned_or_404(Flight.objects.select_related("aircraft_type"), request.hub, pk=flight_id)


@hub_router.post("/hub/flights/{flight_id}/ulds", response=UldOut)
def hub_load_uld(request: HttpRequest, flight_id: Id, payload: UldIn):
    flight = _hub_flight(request, flight_id)
    return loading.load_uld_onto_flight(request.user, payload.uld, flight)


@hub_router.get("/hub/flights/{flight_id}/load-sheet", response=LoadSheetOut)
def hub_load_sheet(request: HttpRequest, flight_id: Id):
    flight = _hub_flight(request, flight_id)
    sheet = load_sheets.load_sheet(flight)
    ac = flight.aircraft_type
    return {
        "flight": flight.number,
        "date": flight.date,
        "origin": flight.origin,
        "destination": flight.destination,
        "aircraft": ac.name,
        "rows": [r.__dict__ for r in sheet.rows],
        "gross_kg": sheet.gross_kg,
        "volume_m3": sheet.volume_m3,
        "parcels": sheet.parcels,
        "max_payload_kg": ac.max_payload_kg,
        "volume_capacity_m3": ac.volume_m3,
        "parcel_room_m3": sheet.room_m3,
        "planned": [r.__dict__ for r in sheet.planned],
        "planned_bags": sheet.planned_bags.__dict__,
        "planned_gross_kg": sheet.planned_gross_kg,
        "planned_volume_m3": sheet.planned_volume_m3,
    }


router.add_router("", hub_router)
