"""Postcode -> coordinates, via postcodes.io with an offline fallback.

A resident must always get an answer: network trouble never raises, it falls
back to the outcode centroid from the offline table (marked approximate). A
404 from postcodes.io is authoritative: the postcode does not exist, and the
result is ``None`` rather than a guess.

Each attempt has a timeout and urllib3's ``Retry`` retries, but neither bounds
the whole lookup, so a lookup also has an overall ``deadline``: the request
runs in a small thread pool and, past the deadline, the resident gets the
offline answer while the request finishes (and fills the cache) on its own.

Logs name at most the outward code ("NR2"), never a full postcode; urllib3's
own retry and debug lines, which carry the request path, are redacted too.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any, Callable, Literal

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from bot.geo.outcodes import OutcodeTable
from bot.geo.postcodes import normalise_postcode

log = logging.getLogger(__name__)

Precision = Literal["postcode", "outcode"]
Source = Literal["postcodes.io", "offline"]

DEFAULT_DEADLINE = 4.0  # seconds for a whole lookup, retries included: a resident hears back within about 5 s
LOOKUP_THREADS = 8  # concurrent postcodes.io requests per process; more wait their turn (within the deadline)

# A full postcode anywhere in a log line ("NR2 4EE", "NR24EE", "nr2%204ee"): the outward code is kept.
_FULL_POSTCODE_IN_TEXT = re.compile(
    r"(?i)(?<![a-z0-9])([a-z]{1,2}[0-9][a-z0-9]?)(?:\s|%20|\+)*[0-9][a-z]{2}(?![a-z0-9])"
)
# A shared location's coordinates in a reverse lookup's query string.
_COORDINATES_IN_TEXT = re.compile(r"(?i)\b(lat|lon|latitude|longitude)=[-+0-9.e]+")
_URLLIB3_LOGGERS = ("urllib3.connectionpool", "urllib3.connection", "urllib3.util.retry")


def redact_locations(text: str) -> str:
    """``text`` with coordinates hidden and every full postcode cut to its outward code.

    "NR2 4EE" becomes "NR2 ***".
    """
    text = _FULL_POSTCODE_IN_TEXT.sub(lambda m: f"{m.group(1).upper()} ***", text)
    return _COORDINATES_IN_TEXT.sub(r"\1=***", text)


class _RedactLocations(logging.Filter):
    """Rewrites urllib3's log lines, which include request paths like /postcodes/NR24EE."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_locations(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


_REDACT = _RedactLocations()


def _redact_urllib3_logs() -> None:
    """Attach the redacting filter to urllib3's loggers once (filters do not inherit)."""
    for name in _URLLIB3_LOGGERS:
        logger = logging.getLogger(name)
        if _REDACT not in logger.filters:
            logger.addFilter(_REDACT)


@dataclass(frozen=True)
class GeoPoint:
    """Where a postcode is, and how sure we are."""

    latitude: float
    longitude: float
    label: str  # "NR2 4EE" or "NR2 (Norwich)"
    outcode: str
    precision: Precision
    source: Source

    @property
    def approximate(self) -> bool:
        """True when only the outcode centroid is known."""
        return self.precision == "outcode"


class TTLCache:
    """A small thread-safe LRU cache whose entries expire, so answers stay fresh."""

    def __init__(
        self, maxsize: int = 1024, ttl: float = 3600.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.maxsize, self.ttl, self._clock = maxsize, ttl, clock
        self._data: OrderedDict[Any, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any) -> tuple[bool, Any]:
        """(hit, value)."""
        with self._lock:
            item = self._data.get(key)
            if item is None:
                return False, None
            if item[0] < self._clock():
                del self._data[key]
                return False, None
            self._data.move_to_end(key)
            return True, item[1]

    def set(self, key: Any, value: Any) -> None:
        with self._lock:
            self._data[key] = (self._clock() + self.ttl, value)
            self._data.move_to_end(key)
            while len(self._data) > self.maxsize:
                self._data.popitem(last=False)


class _Unavailable(Exception):
    """postcodes.io could not answer (network, timeout, 5xx, bad JSON)."""


def make_session(retries: int = 2, backoff: float = 0.3) -> requests.Session:
    """A session that retries GETs on 429/5xx and connection errors with backoff."""
    retry = Retry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        backoff_factor=backoff,
        status_forcelist=(429, 500, 502, 503, 504),
        allowed_methods=frozenset({"GET"}),
        raise_on_status=False,
        respect_retry_after_header=True,
    )
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.headers["User-Agent"] = "signpost-digital-inclusion-bot"
    return session


class Geocoder:
    """Geocode UK postcodes; ``mode="offline"`` never touches the network."""

    def __init__(
        self,
        outcodes: OutcodeTable,
        mode: str = "postcodes_io",
        base_url: str = "https://api.postcodes.io",
        timeout: float = 3.0,
        session: requests.Session | None = None,
        cache: TTLCache | None = None,
        deadline: float = DEFAULT_DEADLINE,
    ) -> None:
        if mode not in ("postcodes_io", "offline"):
            raise ValueError(f"unknown geocoder {mode!r}: use postcodes_io or offline")
        self.outcodes = outcodes
        self.mode = mode
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.deadline = deadline
        self._session = session
        self._cache = cache if cache is not None else TTLCache()
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()
        if mode != "offline":
            _redact_urllib3_logs()

    @classmethod
    def from_settings(cls, settings: Any, outcodes: OutcodeTable | None = None) -> Geocoder:
        """Build from :class:`bot.settings.Settings`."""
        table = outcodes if outcodes is not None else OutcodeTable.from_csv(settings.outcodes_csv)
        return cls(
            table,
            mode=settings.geocoder,
            base_url=settings.postcodes_io_url,
            timeout=settings.geocoder_timeout,
            deadline=settings.geocoder_deadline,
        )

    @property
    def session(self) -> requests.Session:
        if self._session is None:  # created on first use, never at import
            self._session = make_session()
        return self._session

    # -- public API -------------------------------------------------------

    def geocode(self, postcode: str) -> GeoPoint | None:
        """Coordinates of a full or outward postcode; None when it does not exist."""
        normalised = normalise_postcode(postcode)
        if normalised is None:
            return None
        hit, cached = self._cache.get(("geocode", normalised))
        if hit:
            return cached
        outcode = normalised.split(" ")[0]
        if self.mode == "offline":
            return self._offline(outcode)
        is_full = " " in normalised
        path = f"/postcodes/{normalised.replace(' ', '')}" if is_full else f"/outcodes/{outcode}"

        def answer(data: dict[str, Any] | None) -> GeoPoint | None:
            result = None if data is None else self._from_api(data, normalised, outcode, is_full)
            self._cache.set(("geocode", normalised), result)
            return result

        try:
            return answer(self._get_within_deadline(path, on_late_answer=answer))
        except _Unavailable as exc:
            log.warning(
                "postcodes.io unavailable for a postcode in %s (%s); using outcode centroid", outcode, exc
            )
            return self._offline(outcode)  # not cached: try the network again next time

    def reverse(self, latitude: float, longitude: float) -> GeoPoint | None:
        """The outcode around a shared location (nearest postcode, else nearest centroid)."""
        key = ("reverse", round(latitude, 4), round(longitude, 4))
        hit, cached = self._cache.get(key)
        if hit:
            return cached
        result: GeoPoint | None = None
        if self.mode != "offline":
            try:
                data = self._get_within_deadline(
                    "/postcodes", params={"lon": longitude, "lat": latitude, "limit": 1}
                )
            except _Unavailable as exc:
                log.warning("postcodes.io reverse lookup unavailable (%s)", exc)
                data = None
            else:
                results = (data or {}).get("result") or []
                if results and results[0].get("outcode"):
                    outcode = str(results[0]["outcode"]).upper()
                    result = GeoPoint(
                        latitude, longitude, self.outcodes.label(outcode), outcode, "postcode", "postcodes.io"
                    )
                    self._cache.set(key, result)
                    return result
        nearest = self.outcodes.nearest(latitude, longitude)
        if nearest is not None:
            result = GeoPoint(
                latitude,
                longitude,
                self.outcodes.label(nearest.outcode),
                nearest.outcode,
                "outcode",
                "offline",
            )
        return result

    # -- helpers ----------------------------------------------------------

    def _offline(self, outcode: str) -> GeoPoint | None:
        row = self.outcodes.lookup(outcode)
        if row is None:
            return None
        return GeoPoint(
            row.latitude, row.longitude, self.outcodes.label(outcode), outcode, "outcode", "offline"
        )

    def _get_within_deadline(
        self,
        path: str,
        params: dict[str, Any] | None = None,
        on_late_answer: Callable[[dict[str, Any] | None], Any] | None = None,
    ) -> dict[str, Any] | None:
        """:meth:`_get`, but give up after ``deadline`` seconds in all (queueing and retries included).

        The request is not abandoned: if it answers after the deadline,
        ``on_late_answer`` gets its JSON (to cache it for the next resident).
        """
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=LOOKUP_THREADS, thread_name_prefix="geocoder")
            future = self._pool.submit(self._get, path, params)
        try:
            return future.result(timeout=self.deadline)
        except FutureTimeout:
            if not future.cancel() and on_late_answer is not None:  # still running: use its answer later
                future.add_done_callback(lambda done: self._late(done, on_late_answer))
            raise _Unavailable(f"no answer within {self.deadline:g} s") from None

    @staticmethod
    def _late(done: Future, use: Callable[[dict[str, Any] | None], Any]) -> None:
        """Use a lookup that answered after its deadline; failures were already handled."""
        if done.cancelled() or done.exception() is not None:
            return
        try:
            use(done.result())
        except Exception:  # noqa: BLE001 - a background cache fill must never raise into the pool
            log.exception("postcodes.io: could not use a late answer")

    def _get(self, path: str, params: dict[str, Any] | None = None) -> dict[str, Any] | None:
        """JSON body, None on 404; raises _Unavailable for anything else."""
        try:
            response = self.session.get(self.base_url + path, params=params, timeout=self.timeout)
        except requests.RequestException as exc:
            raise _Unavailable(type(exc).__name__) from exc
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise _Unavailable(f"HTTP {response.status_code}")
        try:
            return response.json()
        except ValueError as exc:
            raise _Unavailable("invalid JSON") from exc

    def _from_api(
        self, data: dict[str, Any], normalised: str, outcode: str, is_full: bool
    ) -> GeoPoint | None:
        result = data.get("result") or {}
        lat, lon = result.get("latitude"), result.get("longitude")
        if lat is None or lon is None:  # terminated/non-geographic postcodes have no coordinates
            return self._offline(outcode)
        if is_full:
            label = str(result.get("postcode") or normalised)
            return GeoPoint(float(lat), float(lon), label, outcode, "postcode", "postcodes.io")
        towns = result.get("admin_district") or []
        town = self.outcodes.lookup(outcode)
        label = (
            self.outcodes.label(outcode)
            if town and town.town
            else (f"{outcode} ({towns[0]})" if towns else outcode)
        )
        return GeoPoint(float(lat), float(lon), label, outcode, "outcode", "postcodes.io")
