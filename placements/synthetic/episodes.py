"""The synthetic history's episodes: one period of care at a time, its placements, legal
statuses, moves, temporary placements and how it ends, as 903 episode rows."""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass

import numpy as np

from placements.ssda903 import codes
from placements.synthetic._common import _YEAR, _cumulative, _day
from placements.synthetic.periods import ADOPTION, AGE_18, HOME, OTHER, SGO, UASC_EARLY, _Period
from placements.synthetic.places import _CATEGORIES, _LOCAL_METRES, _Places

_INITIAL_LS = _cumulative(
    {"V2": 0.41, "C1": 0.33, "L1": 0.08, "L2": 0.06, "C2": 0.06, "J2": 0.03, "J3": 0.02, "J1": 0.01}
)
_INITIAL_LS_YOUNG = _cumulative({"V2": 0.43, "C1": 0.36, "L1": 0.09, "L2": 0.07, "C2": 0.05})
# Short periods: mostly section 20 or police protection; remand only from 10.
_INITIAL_LS_BRIEF = _cumulative(
    {"V2": 0.64, "L1": 0.16, "L2": 0.03, "J1": 0.03, "J2": 0.08, "J3": 0.02, "C1": 0.04}
)
_INITIAL_LS_BRIEF_YOUNG = _cumulative({"V2": 0.68, "L1": 0.20, "L2": 0.06, "C1": 0.06})
_CIN = _cumulative(
    {
        "N1": 0.62,
        "N2": 0.03,
        "N3": 0.03,
        "N4": 0.15,
        "N5": 0.07,
        "N6": 0.02,
        "N7": 0.005,
        "N8": 0.075,
    }
)
_CIN_UASC = _cumulative({"N8": 0.9, "N4": 0.05, "N5": 0.05})
_MOVE_REASONS = _cumulative(
    {
        "CARPL": 0.34, "CREQB": 0.12, "CREQO": 0.11, "CHILD": 0.06, "LAREQ": 0.10,
        "ALLEG": 0.03, "STAND": 0.03, "CLOSE": 0.04, "APPRR": 0.02, "CUSTOD": 0.01,
        "OTHER": 0.14,
    }
)  # fmt: skip
_Z_CODES = _cumulative({"Z11": 0.25, "Z12": 0.25, "Z13": 0.25, "Z14": 0.25})
_TEMPORARY = _cumulative({"T0": 0.10, "T1": 0.25, "T2": 0.20, "T3": 0.30, "T4": 0.15})
_FOSTER_KINDS = ("kin", "la", "ifa")
_LONG_TERM = {"U3": "U1", "U6": "U4"}
# Chance a foster placement becomes long-term with the same carer: on the day of the care
# order (RNE U), or otherwise, for placements lasting over 400 days, later on (RNE T).
_MATCHED_AT_CARE_ORDER = 0.4
_MATCHED_LATER = 0.6

_VALIDITY = {
    place: (
        _day(v.valid_from) if v.valid_from else -(10**9),
        _day(v.valid_to) if v.valid_to else 10**9,
    )
    for place, v in codes.PLACEMENT.items()
}
_K3_FROM = _VALIDITY["K3"][0]
_H5_TO = _VALIDITY["H5"][1]
_P2_TO = _VALIDITY["P2"][1]
_Z1_TO = _VALIDITY["Z1"][1]
# Kinds of placement whose code ends with Z1 (K2 without registration becomes Z12).
_ENDS_WITH_Z1 = ("z", "unregistered")
# Codes retired while a placement may run on, followed by a code for the same placement.
_RETIRING = ("P2", "H5")
_TEMPORARY_CODES = frozenset(codes.TEMPORARY_PLACEMENTS)
_TEN_YEARS = int(10 * _YEAR) + 3  # days: ten years, leap days and all


def _valid(place: str, day: int) -> bool:
    valid_from, valid_to = _VALIDITY[place]
    return valid_from <= day <= valid_to


@dataclass
class _Placement:
    start: int
    kind: str
    place: str
    provider: int  # index into _Places, -1 for none
    same_carer: bool = False
    reason: str = ""


class _Builder:
    """Turns periods of care into episode rows, drawing every choice from the one generator."""

    def __init__(self, rng: np.random.Generator, places: _Places) -> None:
        self.rng = rng
        self.places = places
        self.rows: list[tuple] = []

    def pick(self, table: tuple[list[float], list[str]]) -> str:
        cumulative, keys = table
        return keys[min(bisect_right(cumulative, self.rng.random()), len(keys) - 1)]

    def uniform(self, low: int, high: int) -> int:
        """An integer in [low, high]."""
        return low + int(self.rng.random() * (high - low + 1))

    # Providers -------------------------------------------------------------------------

    def provider(self, category: str, period: _Period) -> int:
        spec = _CATEGORIES[category]
        if self.rng.random() < spec.far_share:
            pool = self.places.far_of[category]
            return pool[int(self.rng.random() * len(pool))]
        pool = self.places.near_of[category]
        candidates = [pool[int(self.rng.random() * len(pool))] for _ in range(12)]
        if math.isnan(period.home_e):
            return candidates[0]
        # Local placements are within reach of home: in a large county a provider in the
        # authority can still be 40 miles away, so look further when the first ones are.
        squared = [
            (self.places.easting[i] - period.home_e) ** 2
            + (self.places.northing[i] - period.home_n) ** 2
            for i in candidates
        ]
        for candidate, distance in zip(candidates, squared, strict=True):
            if distance <= _LOCAL_METRES**2:
                return candidate
        return candidates[squared.index(min(squared))]

    def urn(self, place: str, provider: int) -> str:
        if provider < 0 or place in codes.NO_URN_PLACEMENTS:
            return ""
        if place == "H5":
            # Semi-independent homes were not registered with Ofsted before K3 replaced H5.
            return codes.URN_NOT_REGISTERED
        return self.places.urn[provider]

    # Placement choice ------------------------------------------------------------------

    def kind_for(self, age: float, period: _Period) -> str:
        r = self.rng.random()
        if period.uasc:
            if age >= 16:
                return (
                    "supported" if r < 0.55 else "ifa" if r < 0.85 else "la" if r < 0.95 else "home"
                )
            return "ifa" if r < 0.5 else "la" if r < 0.85 else "home"
        if age < 1:
            return "la" if r < 0.46 else "kin" if r < 0.72 else "ifa" if r < 0.97 else "res_other"
        if age < 5:
            return "la" if r < 0.45 else "kin" if r < 0.73 else "ifa" if r < 0.98 else "home"
        if age < 10:
            return "la" if r < 0.40 else "kin" if r < 0.65 else "ifa" if r < 0.91 else "home"
        if age < 16:
            foster = 0.74 if age < 13 else 0.58
            if r < foster:
                f = r / foster
                return "la" if f < 0.38 else "kin" if f < 0.60 else "ifa"
            r = (r - foster) / (1 - foster)
            return (
                "home"
                if r < 0.80
                else "secure"
                if r < 0.83
                else "res_other"
                if r < 0.90
                else "health"
                if r < 0.94
                else "yoi"
                if r < 0.96
                else "z"
            )
        if r < 0.36:
            f = r / 0.36
            return "la" if f < 0.40 else "kin" if f < 0.62 else "ifa"
        r = (r - 0.36) / 0.64
        return (
            "supported"
            if r < 0.62
            else "home"
            if r < 0.92
            else "res_other"
            if r < 0.95
            else "yoi"
            if r < 0.97
            else "z"
        )

    def place_code(self, kind: str, day: int, age: float) -> str:
        if kind in ("kin",):
            return "U3"
        if kind in ("la", "ifa"):
            return "U6"
        if kind == "unregistered":
            # From 2025-26 an unregistered children's home has its own code; XXXXXXX is left
            # to adoption agencies (the DfE's rule 242).
            return "K2" if day <= _Z1_TO else "Z12"
        if kind == "home":
            return "K2"
        if kind == "secure":
            return "K1"
        if kind == "supported":
            if day <= _P2_TO and self.rng.random() < 0.1:
                return "P2"
            if day < _K3_FROM:
                return "H5"
            if day <= _H5_TO:
                return "K3" if self.rng.random() < 0.6 else "H5"
            return "K3"
        if kind == "res_other":
            if age < 1:
                return "R3"
            return "S1" if age < 14 or self.rng.random() < 0.5 else "R1"
        if kind == "health":
            return "R2"
        if kind == "yoi":
            return "R5"
        if kind == "z":
            return "Z1" if day <= _Z1_TO else self.pick(_Z_CODES)
        raise ValueError(kind)

    def new_placement(self, kind: str, day: int, period: _Period) -> _Placement:
        age = (day - period.dob) / _YEAR
        if kind == "home" and self.rng.random() < 0.03 and day != _Z1_TO:
            kind = "unregistered"
        if kind == "home" and self.rng.random() < 0.15:
            category = "home_la"
        elif kind == "home":
            category = "home_ind"
        else:
            category = kind
        place = self.place_code(kind, day, age)
        # An "other" placement has no provider code or URN, but it has an address (the DfE's
        # rule 392b): somewhere like an unregistered home's.
        provider = self.provider("unregistered" if kind == "z" else category, period)
        return _Placement(start=day, kind=kind, place=place, provider=provider)

    # One period ------------------------------------------------------------------------

    def placements(self, period: _Period, final_start: int) -> list[_Placement]:
        """Placements from the start of care to `final_start`, as a renewal process."""
        result: list[_Placement] = []
        day = period.start
        while day < final_start:
            age = (day - period.dob) / _YEAR
            if not result and self.rng.random() < 0.45:
                # Many first placements are emergency ones, followed by a planned move.
                length = 1 + int(self.rng.exponential(40))
            elif period.unstable:
                length = 7 + int(self.rng.exponential(140))
            else:
                length = 30 + int(self.rng.exponential(2600))
            kind = self.kind_for(age, period)
            if kind == "z" and day == _Z1_TO:
                kind = "home"  # Z1's last day: no code of its kind could run on from it
            placement = self.new_placement(kind, day, period)
            if placement.kind in _ENDS_WITH_Z1 and day < _Z1_TO < day + length:
                # Z1 and unregistered K2 end with 2024-25; the new codes are not an episode
                # that can continue the old one, so the child moves on by then.
                length = _Z1_TO - day
            result.append(placement)
            day += length
        return result

    def legal_statuses(self, period: _Period, adoption_start: int) -> list[tuple[int, str]]:
        rng = self.rng
        start, end = period.start, period.end
        if period.uasc:
            return [(start, "V2" if rng.random() < 0.93 else "C2")]
        age = (start - period.dob) / _YEAR
        if period.brief:
            status = self.pick(_INITIAL_LS_BRIEF if age >= 10 else _INITIAL_LS_BRIEF_YOUNG)
            changes = [(start, status)]
            # Police protection lasts up to 72 hours, an emergency protection order up to
            # eight days; a child not yet home by then is accommodated.
            # A child transferred from police custody (J2) is held for at most 21 days (the DfE's
            # rule 364); one still looked after by then is accommodated.
            after = self.uniform(1, 3) if status == "L1" else self.uniform(2, 8)
            if status in ("L1", "L2", "J2") and start + after <= end - 1:
                changes.append((start + after, "V2" if rng.random() < 0.85 else "C1"))
            return changes
        status = self.pick(_INITIAL_LS if age >= 10 else _INITIAL_LS_YOUNG)
        changes = [(start, status)]
        day = start
        # Once placed for adoption the child's legal status stays put until the order.
        last = min(adoption_start, end - 1) if period.route == ADOPTION else end - 1

        def change(after: int, new: str) -> None:
            nonlocal day, status
            if day + after <= last and new != status:
                day += after
                status = new
                changes.append((day, status))

        if status == "L1":
            change(self.uniform(1, 3), "C1" if rng.random() < 0.6 else "V2")
        elif status == "L2":
            change(self.uniform(2, 8), "C1")
        elif status == "J2":
            change(min(self.uniform(1, 20), max(1, last - day)), "V2")
        elif status in ("J1", "J3") and rng.random() < 0.4:
            change(self.uniform(20, 200), "V2")
        long_stay = period.end - period.start > 365
        if status == "V2" and (
            period.route in (ADOPTION, SGO) or rng.random() < (0.5 if long_stay else 0.1)
        ):
            change(self.uniform(30, 300), "C1")
        if status == "C1" and (period.route != HOME or rng.random() < 0.6):
            change(self.uniform(120, 420), "C2")
        if period.route == ADOPTION:
            # The placement order comes before, or on the day of, the placement for adoption.
            order = adoption_start - (0 if rng.random() < 0.3 else self.uniform(1, 200))
            if order > day:
                change(order - day, "E1")
        return changes

    def period(self, period: _Period) -> None:
        rng = self.rng
        start, end = period.start, period.end
        length = end - start

        final_kind, final_start = "", end
        if period.route == ADOPTION and length > 60:
            final_kind, final_start = "adopt", end - self.uniform(150, min(420, length - 30))
            final_start = max(final_start, start + 30)
        elif period.route == HOME and length > 150 and rng.random() < 0.8:
            final_kind, final_start = "parents", end - self.uniform(120, min(1000, length - 30))
        elif period.route == AGE_18 and length > 400 and rng.random() < 0.25:
            # Some stay on a care order at home with their parents until 18.
            final_kind, final_start = "parents", end - self.uniform(180, min(1500, length - 60))
        elif period.route == SGO and length > 150 and rng.random() < 0.35:
            final_kind, final_start = "kin", end - self.uniform(90, min(400, length - 60))
        elif not period.uasc and length > 120:
            # Some children step down to supported accommodation at 16 or 17.
            step_down = period.dob + int((16 + rng.random() * 1.5) * _YEAR)
            if start + 60 < step_down < end - 30 and rng.random() < 0.35:
                final_kind, final_start = "supported", step_down

        statuses = self.legal_statuses(period, final_start)
        placements = self.placements(period, final_start)
        if final_kind:
            status_then = [ls for day, ls in statuses if day <= final_start][-1]
            previous = placements[-1]
            if final_kind == "parents" and (status_then not in ("C1", "C2") or period.uasc):
                # Placement with parents needs a care order, and parents in this country.
                final_kind = ""
            elif final_kind == "adopt":
                order = status_then == "E1"
                if previous.kind in _FOSTER_KINDS and rng.random() < 0.35:
                    placement = _Placement(
                        start=final_start,
                        kind="adopt",
                        place="A5" if order else "A3",
                        provider=previous.provider,
                        same_carer=True,
                        reason="CARPL",
                    )
                else:
                    placement = _Placement(
                        start=final_start,
                        kind="adopt",
                        place="A6" if order else "A4",
                        provider=self.provider("adopt", period),
                        reason="CARPL",
                    )
                placements.append(placement)
            if final_kind == "parents":
                placements.append(
                    _Placement(start=final_start, kind="parents", place="P1", provider=-1)
                )
                placements[-1].reason = "CARPL"
            elif final_kind in ("kin", "supported"):
                placements.append(self.new_placement(final_kind, final_start, period))
                placements[-1].reason = "CARPL"

        self.emit(period, placements, statuses)

    def emit(
        self, period: _Period, placements: list[_Placement], statuses: list[tuple[int, str]]
    ) -> None:
        rng = self.rng
        start, end = period.start, period.end
        # day -> what happens on it: "new" placement index, "same" (same carer), "type"
        # (fostering becomes long-term), "ls", "temp" (code), "back" (return from temporary)
        events: dict[int, dict[str, object]] = {}
        bounds = [p.start for p in placements[1:]] + [end]
        for index, placement in enumerate(placements):
            events.setdefault(placement.start, {})["same" if placement.same_carer else "new"] = (
                index
            )
        for day, status in statuses:
            events.setdefault(day, {})["ls"] = status
        care_orders = [day for day, status in statuses if status == "C2"]
        for index, placement in enumerate(placements):
            stop = bounds[index]
            if placement.place not in _LONG_TERM or stop - placement.start <= 120:
                continue
            # The care order's final hearing often approves the plan of long-term fostering
            # with the current carer: legal status and placement type change together (U).
            matched = [d for d in care_orders if placement.start + 60 <= d < stop - 1]
            if matched and rng.random() < _MATCHED_AT_CARE_ORDER:
                events[matched[0]].update(type=_LONG_TERM[placement.place], at=index)
            elif stop - placement.start > 400 and rng.random() < _MATCHED_LATER:
                day = placement.start + self.uniform(180, min(700, stop - placement.start - 1))
                if day not in events:
                    events[day] = {"type": _LONG_TERM[placement.place], "at": index}
        for index, placement in enumerate(placements):
            self.retire(placement, bounds[index], index, events)
        for index, placement in enumerate(placements):
            stop = bounds[index]
            if placement.kind not in (*_FOSTER_KINDS, "home") or stop - placement.start < 40:
                continue
            expected = 0.1 * (stop - placement.start) / _YEAR
            for _ in range(int(rng.poisson(expected))):
                code = self.pick(_TEMPORARY)
                days = self.uniform(1, 6 if code == "T4" else 14)
                away = self.uniform(placement.start + 3, stop - days - 3)
                back = away + days
                if any(d in events for d in range(away - 1, back + 2)):
                    continue
                events[away] = {"temp": code}
                events[back] = {"back": index}

        status = statuses[0][1]
        current: _Placement = placements[0]
        place = current.place
        cin = self.pick(_CIN_UASC if period.uasc else _CIN)
        rows: list[tuple[int, str, str, str, str, str, str, str]] = []
        for day in sorted(events):
            event = events[day]
            status_changed = "ls" in event
            if status_changed:
                status = str(event["ls"])
            moved = False
            same = False
            reason = ""
            if "new" in event or "same" in event:
                current = placements[int(event.get("new", event.get("same", 0)))]
                place = current.place
                moved, same = "new" in event, "same" in event
                reason = current.reason
            elif "type" in event:
                place = str(event["type"])
                same = True
                reason = "PLACE"
            if "temp" in event:
                # The usual placement's postcode, no provider or URN (docs/ssda903.md#temporary-and-short-break-codes).
                post = self._post(current, period)
                rows.append((day, "P", status, str(event["temp"]), "", "OTHER", post, ""))
                continue
            if not _valid(place, day):
                # A retired code cannot start a new episode: H5 and P2 became K3, Z1 Z11-Z14.
                place = self._successor(place, day)
                current = _Placement(current.start, current.kind, place, current.provider)
                same = same or not moved
            if day == start:
                rne = "S"
            elif "back" in event:
                rne, reason = "P", "OTHER"
            elif moved:
                rne = "B" if status_changed else "P"
            elif same:
                rne = "U" if status_changed else "T"
                reason = reason or "PLACE"
            else:
                rne = "L"
            if rne in ("P", "B") and not reason:
                reason = self.pick(_MOVE_REASONS)
            shown = (
                place,
                self._provider_code(place, current),
                self._post(current, period),
                self.urn(place, current.provider),
            )
            if rne in ("P", "T") and rows and rows[-1][3:5] + rows[-1][6:8] == shown:
                # A move to the placement the child is in already (the same provider drawn
                # again) is no move: the DfE refuses it (its rule 435). The child stays; a
                # change of legal status on the day is then all that happens.
                if not status_changed:
                    continue
                rne = "L"
            if rne in ("S", "L"):
                reason = ""
            place_provider, post, urn = shown[1:]
            rows.append((day, rne, status, place, place_provider, reason, post, urn))

        rec = self.reason_ceased(period, rows[-1][3], status)
        last = len(rows) - 1
        reasons = _reasons_on_ending_episodes(rows, period.dob)
        for index, (day, rne, status, place, provider, _, post, urn) in enumerate(rows):
            self.rows.append(
                (
                    period.child,
                    day,
                    rne,
                    status,
                    cin,
                    place,
                    provider,
                    rows[index + 1][0] if index < last else end,
                    rec if index == last else codes.CONTINUES_IN_CARE,
                    reasons[index],
                    period.home_post,
                    post,
                    urn,
                )
            )

    def retire(
        self, placement: _Placement, stop: int, index: int, events: dict[int, dict[str, object]]
    ) -> None:
        """A placement whose code is retired while it lasts (P2, H5) changes to the code that
        replaced it on the old code's last day, with the same carer (RNE T), as councils
        recorded it: a retired code is never open in a later year's return (the DfE's rule
        146)."""
        place = placement.place
        while place in _RETIRING:
            last_day = _VALIDITY[place][1]
            if stop <= last_day:
                return  # it ends in time: a later return does not hold it
            place = self._successor(place, last_day)
            if last_day <= placement.start:
                placement.place = place
                continue
            events.setdefault(last_day, {}).update(type=place, at=index)

    def _successor(self, place: str, day: int) -> str:
        candidates = ("H5", "K3") if place == "P2" else ("K3",) if place == "H5" else ()
        for candidate in candidates:
            if _valid(candidate, day):
                return candidate
        return self.pick(_Z_CODES)

    def _provider_code(self, place: str, placement: _Placement) -> str:
        if place in codes.NO_PROVIDER_PLACEMENTS:
            return ""
        if place == "P1":
            return "PR0"
        if placement.provider < 0:
            return ""
        return self.places.place_provider[placement.provider]

    def _post(self, placement: _Placement, period: _Period) -> str:
        if placement.place == "P1":
            return period.home_post
        if placement.provider < 0:
            return ""
        return self.places.postcode[placement.provider]

    def reason_ceased(self, period: _Period, place: str, status: str) -> str:
        r = self.rng.random()
        route = period.route
        if route == ADOPTION and place.startswith("A"):
            return "E11" if r < 0.9 else "E12"
        if period.brief and status in ("J1", "J2", "J3") and r < 0.6:
            return "E14"
        if route == SGO or route == ADOPTION:
            if place in ("U1", "U2", "U3"):
                return "E47" if r < 0.75 else "E48"
            if place in ("U4", "U5", "U6"):
                return "E45"
            # E45 and E46 are orders to former foster carers (the DfE's rule 516).
            return "E48"
        if route == HOME:
            if period.reenters:
                return "E4A" if r < 0.8 else "E4B"
            return "E4A" if r < 0.75 else "E4B" if r < 0.9 else "E13"
        if route == UASC_EARLY:
            return "E3" if r < 0.7 else "E15"
        if route == OTHER:
            if status in ("J1", "J2", "J3") and r < 0.5:
                return "E14"
            if period.reenters:
                return "E41" if r < 0.5 else "E13" if r < 0.8 else "E8"
            age = (period.end - period.dob) / _YEAR
            if age >= 12 and r < 0.06:
                return "E9"
            return (
                "E41"
                if r < 0.40
                else "E13"
                if r < 0.58
                else "E8"
                if r < 0.80
                else "E3"
                if r < 0.93
                else "E16"
                if r < 0.97
                else "E2"
            )
        if place in ("U1", "U2", "U3", "U4", "U5", "U6"):
            return "E17" if r < 0.55 else "E5" if r < 0.7 else "E8" if r < 0.9 else "E6"
        return "E5" if r < 0.5 else "E6" if r < 0.7 else "E8" if r < 0.95 else "E7"

    def short_breaks(self, series: _Period, adult: int, history_start: int) -> None:
        """A series of short breaks: each stay is its own period of care (RNE S).

        One child is under V3 or V4, never both (903 rule 426), and stays are one to four
        nights every 24 to 80 days (the child's own rhythm, give or take a quarter): at most
        about 70 nights a year, under the 75 days the 903 allows.
        """
        rng = self.rng
        status = "V3" if rng.random() < 0.85 else "V4"
        every = self.uniform(24, 80)
        at_home = rng.random() < 0.4
        provider = self.provider("sb_home" if at_home else "sb_foster", series)
        place = "K2" if at_home else "U6"
        cin = "N2" if rng.random() < 0.9 else "N1"
        day = series.start
        while day < min(series.end, adult - 5):
            nights = self.uniform(1, 4)
            if day + nights >= history_start:
                self.rows.append(
                    (
                        series.child,
                        day,
                        "S",
                        status,
                        cin,
                        place,
                        self.places.place_provider[provider],
                        day + nights,
                        "E4A",
                        "",
                        series.home_post,
                        self.places.postcode[provider],
                        self.places.urn[provider],
                    )
                )
            day += nights + int(every * (0.75 + 0.5 * rng.random()))


def _reasons_on_ending_episodes(rows: list[tuple], dob: int) -> list[str]:
    """REASON_PLACE_CHANGE, as the 903 records it: on the episode whose placement ends, X1
    with the next episode a change of placement (RNE P, B, T or U), drawn for the next one
    (the DfE's rule 225). Never on a temporary placement or the episode before one (its rule
    226), nor on the last episode of a period; a child under 10 is not moved into custody
    (its rule 234)."""
    reasons = [""] * len(rows)
    for index in range(len(rows) - 1):
        here, after = rows[index], rows[index + 1]
        moves = after[1] in ("P", "B", "T", "U")
        if moves and here[3] not in _TEMPORARY_CODES and after[3] not in _TEMPORARY_CODES:
            reasons[index] = after[5]
            if reasons[index] == "CUSTOD" and here[0] < dob + _TEN_YEARS:
                reasons[index] = "OTHER"
    return reasons
