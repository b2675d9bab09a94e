"""Customs' assessment entered with the decision — at the desk, in a broker's file, by API —
reaches the duty ledger in the decision's transaction, shows in the reconciliation balancing
to the cent, is refused by field when wrong (nothing changed), and is recorded once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from caravana.clearance import csvfile, services
from caravana.clearance.models import Case, Decision
from caravana.duties import queries
from caravana.duties import services as duties
from caravana.duties.models import CountryDutySetting, DutyAssessment
from caravana.jobs.models import Job
from caravana.payments import ledger
from caravana.payments.models import LedgerEntry, LedgerTransaction
from caravana.tracking.models import TrackingEvent
from tests.clearance.test_pages_and_api import _broker, _client, _post

pytestmark = pytest.mark.django_db


def _figures(world, extra_ii="7.35"):
    """What the buyer paid per tax, and an assessment `extra_ii` above it on the import tax."""
    by_tax = ledger.collected_by_tax(world["order"])
    assert set(by_tax) == {"ii", "icms"}
    return by_tax, {"ii": by_tax["ii"] + Decimal(extra_ii), "icms": by_tax["icms"]}


def _report():
    today = timezone.now().date()
    return queries.reconciliation("BR", today, today + dt.timedelta(days=1))


def _balanced(world, assessed):
    rep = _report()
    assert rep.balanced and rep.stored_balance_checked, rep.problems
    assert rep.parcels_assessed == 1 and rep.assessed == sum(assessed.values())
    assert rep.total.closing == sum(assessed.values())
    assert ledger.reconcile() == []
    return rep


def _books():
    return (
        DutyAssessment.objects.count(),
        LedgerTransaction.objects.count(),
        LedgerEntry.objects.count(),
        Decision.objects.count(),
        TrackingEvent.objects.filter(source="customs").count(),
    )


def test_the_desk_records_the_assessment_with_the_scan(world):
    services.present_manifest(world["flight"], world["gateway"])
    by_tax, assessed = _figures(world)
    c = _client(world["officer"])
    desk = c.get("/clearance/GRU/").content.decode()
    assert 'name="assessed_ii"' in desk and 'name="assessed_icms"' in desk
    assert 'name="assessed_currency" value="BRL"' in desk
    post = {"scan": world["parcel"].s10, "outcome": "cleared", "assessed_currency": "BRL",
            "assessed_ii": str(assessed["ii"]).replace(".", ","), "assessed_icms": ""}  # fmt: skip
    # A blank tax is no amount: only ii is given first, and refused as a hold's figures.
    r = c.post("/clearance/GRU/scan/", {**post, "outcome": "held", "reason": "inspection"},
               HTTP_HX_REQUEST="true")  # fmt: skip
    assert r.status_code == 422 and "cleared or released" in r.content.decode()
    assert not DutyAssessment.objects.exists() and not Decision.objects.exists()
    post["assessed_icms"] = str(assessed["icms"])
    r = c.post("/clearance/GRU/scan/", post, HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and "duties assessed" in r.content.decode()
    a = DutyAssessment.objects.get(parcel=world["parcel"])
    assert a.amounts == {k: str(v) for k, v in assessed.items()}
    assert a.difference_total == Decimal("7.35") and a.source == "desk GRU"
    assert Case.objects.get(parcel=world["parcel"]).status == "cleared"
    rep = _balanced(world, assessed)
    assert rep.absorbed == Decimal("7.35") and rep.collected_for_assessed == sum(by_tax.values())
    # A rescan with the same figures is a repeat; the case page shows them.
    before = _books()
    r = c.post("/clearance/GRU/scan/", post, HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and "scan-warn" in r.content.decode() and _books() == before
    page = c.get(f"/clearance/GRU/parcels/{world['parcel'].s10}/").content.decode()
    assert 'data-testid="assessment"' in page and str(a.assessed_total) in page


def test_a_file_records_assessments_once_and_refuses_other_figures(world):
    services.present_manifest(world["flight"], world["gateway"])
    _by_tax, assessed = _figures(world, extra_ii="-1.10")  # less than paid: a surplus
    p, a = world["parcel"], world["others"][0]
    at = timezone.now().replace(microsecond=0).isoformat()
    head = "s10,outcome,reason,decided_at,note,reference,assessed_ii,assessed_icms,currency\n"
    rows = (
        f"{p.s10},cleared,,{at},,DI 26/0000123-4,{assessed['ii']},{assessed['icms']},BRL\n"
        f"{a.s10},cleared,,{at},,,,,\n"  # no figures: a parcel sold outside the marketplace
    )
    client = _client(world["officer"])

    def upload(text: str) -> Job:
        client.post("/clearance/GRU/upload/",
                    {"file": SimpleUploadedFile("d.csv", text.encode(), "text/csv")})  # fmt: skip
        return Job.objects.latest("pk")

    job = upload(head + rows)
    assert job.state == "done" and "2 decisions applied" in job.message, job.message
    assert "1 duty assessment recorded" in job.message
    row = DutyAssessment.objects.get()
    assert row.source == "DI 26/0000123-4" and row.difference_total == Decimal("-1.10")
    rep = _balanced(world, assessed)
    assert rep.surplus == Decimal("1.10")
    # The same file again: nothing recorded twice.
    before = _books()
    job = upload(head + rows)
    assert "2 already recorded" in job.message and "assessment" not in job.message
    assert _books() == before
    # Other figures for the assessed parcel: the row is refused naming the column.
    changed = rows.replace(f",{assessed['ii']},", f",{assessed['ii'] + 1},")
    job = upload(head + changed)
    assert "1 row refused" in job.message and "row 2, assessed:" in job.message, job.message
    report = job.result_file.read().decode("utf-8-sig")
    assert "2,assessed," in report and "already assessed" in report
    assert _books() == before and _report().balanced


def test_figures_that_come_after_the_decision_are_recorded_then(world):
    """Customs cleared the parcel at the desk; the broker's file brings the figures later."""
    services.present_manifest(world["flight"], world["gateway"])
    _by_tax, assessed = _figures(world, extra_ii="0")
    at = timezone.now().replace(microsecond=0)
    services.decide(world["parcel"], "cleared", at=at)
    item = services.DecisionIn(world["parcel"].s10, "cleared", decided_at=at.isoformat(),
                               assessed=dict(assessed), assessed_currency="brl")  # fmt: skip
    done = services.apply_decisions([item], source="csv", prefix="rows")
    assert (done.applied, done.repeated, done.assessed, done.errors) == (0, 1, 1, {})
    assert Decision.objects.count() == 1
    rep = _balanced(world, assessed)
    assert rep.total.differences == 0 and rep.absorbed == rep.surplus == 0


@pytest.mark.parametrize(
    ("decision", "field", "code"),
    [
        ({"assessed": {"ii": "1.00", "igv": "2.00"}}, ["assessed", "igv"],
         "duties_invalid_assessment"),
        ({"assessed": {"ii": "-1.00"}}, ["assessed", "ii"], "duties_invalid_assessment"),
        ({"assessed": {"ii": "1.00"}, "assessed_currency": "MXN"}, ["assessed_currency"],
         "duties_invalid_assessment"),
        ({"assessed": {"ii": "1.00"}, "assessed_currency": ""}, ["assessed_currency"],
         "duties_invalid_assessment"),
        ({"assessed": {"ii": "1.00"}, "outcome": "held", "reason": "inspection"}, ["assessed"],
         "duties_invalid_assessment"),
        ({"assessed": {"ii": "abc"}}, ["assessed", "ii"], "duties_invalid_assessment"),
        ({"assessed": {"ii": 12.3}}, ["assessed", "ii"], None),  # a JSON number: the schema's
    ],
)  # fmt: skip
def test_bad_figures_by_api_are_refused_naming_the_field_and_change_nothing(
    world, decision, field, code
):
    services.present_manifest(world["flight"], world["gateway"])
    secret = _broker("GRU")
    before = _books()
    good = {"identifier": world["others"][1].s10, "outcome": "cleared"}
    body = {"identifier": world["parcel"].s10, "outcome": "cleared",
            "assessed_currency": "BRL", **decision}  # fmt: skip
    r = _post(secret, [good, body])
    assert r.status_code == 422, r.content
    detail = r.json()["detail"]
    locs = [d["loc"] for d in detail]
    assert ["body", "decisions", 1, *field] in locs or [
        "body", "batch", "decisions", 1, *field
    ] in locs, locs  # fmt: skip
    if code:
        assert detail[0]["code"] == code
    assert _books() == before and not Case.objects.exclude(status="presented").exists()


def test_a_brokers_figures_by_api_reach_the_report_and_a_retry_adds_nothing(world):
    services.present_manifest(world["flight"], world["gateway"])
    CountryDutySetting.objects.update_or_create(
        country="BR", defaults={"difference_policy": "recover"}
    )
    _by_tax, assessed = _figures(world, extra_ii="2.00")
    secret = _broker("GRU")
    batch = [{"identifier": world["parcel"].s10, "outcome": "cleared", "reference": "DI 1",
              "assessed": {k: str(v) for k, v in assessed.items()},
              "assessed_currency": "BRL"}]  # fmt: skip
    r = _post(secret, batch)
    assert r.status_code == 200 and r.json()["assessed"] == 1, r.content
    rep = _balanced(world, assessed)
    assert rep.receivable == Decimal("2.00") and rep.absorbed == 0
    before = _books()
    r = _post(secret, batch)
    assert r.status_code == 200 and r.json()["assessed"] == 0 and r.json()["repeated"] == 1
    assert _books() == before
    # A parcel of no marketplace order has no collected duties to match: refused by field.
    r = _post(secret, [{**batch[0], "identifier": world["others"][0].s10}])
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "decisions", 0, "assessed"]
    assert r.json()["detail"][0]["code"] == "duties_no_order"


def test_the_file_reads_assessed_columns():
    data = (
        b"tracking;status;Assessed II;assessed_icms;Currency;assessed_\n"
        b"RB123456785CN;cleared;12,30;9.80;brl;x\nRB123456785CN;cleared;;;;\n"
    )
    first, second = csvfile.parse(data)
    assert first.assessed == {"ii": "12,30", "icms": "9.80"} and first.assessed_currency == "brl"
    assert second.assessed == {} and second.assessed_currency == ""


def test_many_assessments_at_once_book_as_one_at_a_time_would(world):
    """record_assessments (set-wise) and record_assessment (one parcel) give the same rows and
    ledger, and the set-wise one writes nothing when one item is refused."""
    _by_tax, assessed = _figures(world, extra_ii="3.00")
    item = duties.AssessmentIn(world["parcel"].pk, assessed, "DI", timezone.now(), "BRL")
    bad = duties.AssessmentIn(world["others"][0].pk, {"ii": "1"}, "DI", timezone.now(), "BRL")
    done = duties.record_assessments([item, bad])
    assert list(done.errors) == [1] and done.recorded == 0 and not DutyAssessment.objects.exists()
    done = duties.record_assessments([item, item])  # the same parcel twice: once, then a repeat
    assert (done.recorded, done.repeated, done.errors) == (1, 1, {})
    many = DutyAssessment.objects.get()
    entries = sorted(
        (e.transaction.key, e.account.key, e.amount)
        for e in LedgerEntry.objects.filter(transaction__kind__startswith="duty")
    )
    rep = _balanced(world, assessed)
    # The per-parcel service agrees with what was written, and repeats it without a change.
    assert duties.record_assessment(world["parcel"], assessed, "DI") == many
    assert many.difference_total == Decimal("3.00") and rep.absorbed == Decimal("3.00")
    assert [k for k, _a, _m in entries].count(f"duty-collect:{world['parcel'].s10}") == 3
