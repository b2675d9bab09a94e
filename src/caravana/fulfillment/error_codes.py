"""Stable codes of the fulfillment app's errors: parcels, hub scans, bags, ULDs and loading
(see caravana.errors)."""

from enum import StrEnum


class FulfillmentErrorCode(StrEnum):
    INVALID_S10 = "invalid_s10"
    INVALID_BAG_IDENTIFIER = "invalid_bag_identifier"
    INVALID_ULD_IDENTIFIER = "invalid_uld_identifier"
    UNKNOWN_PARCEL = "unknown_parcel"
    OTHER_HUB = "other_hub"
    PARCEL_CANCELLED = "parcel_cancelled"
    INVALID_CONTENTS = "invalid_contents"
    INVALID_HS_CODE = "invalid_hs_code"
    NO_LANE = "no_lane"
    OVERWEIGHT = "overweight"
    SERIAL_RANGE_EXHAUSTED = "serial_range_exhausted"
    INVALID_PARCEL_STATE = "invalid_parcel_state"
    UNKNOWN_BAG = "unknown_bag"
    BAG_EMPTY = "bag_empty"
    BAG_NOT_CLOSED = "bag_not_closed"
    UNKNOWN_ULD = "unknown_uld"
    ULD_CLOSED = "uld_closed"
    ULD_EMPTY = "uld_empty"
    WRONG_DESTINATION = "wrong_destination"
    OVER_CAPACITY = "over_capacity"
    DG_APART = "dg_apart"  # lithium-battery bags and others in one ULD
    FLIGHT_NOT_SCHEDULED = "flight_not_scheduled"
    FLIGHT_FULL = "flight_full"
    #: No free position keeps the zero-fuel centre of gravity within the aircraft's envelope.
    CG_OUT_OF_LIMITS = "cg_out_of_limits"
    #: A bag already built into another ULD.
    BAG_ON_OTHER_ULD = "bag_on_other_uld"
    #: A flight plan that would move something already loaded, or send it the wrong way.
    PLAN_REFUSED = "plan_refused"
    ULD_NOT_CLOSED = "uld_not_closed"
    UNKNOWN_ULD_TYPE = "unknown_uld_type"
    #: A flight that leaves from another airport than the hub's.
    WRONG_ORIGIN = "wrong_origin"
    OVERSIZE = "oversize"
    BATTERY_REFUSED = "battery_refused"
    #: A last-mile carrier that is unknown, inactive or of another country.
    UNKNOWN_CARRIER = "unknown_carrier"
    #: The carrier cannot change any more: the parcel has the carrier's number, or another open
    #: bag already takes that route and carrier.
    CARRIER_LOCKED = "carrier_locked"
    #: A carrier's tracking number that does not fit the carrier's format.
    INVALID_CARRIER_NUMBER = "invalid_carrier_number"
