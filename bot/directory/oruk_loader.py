"""Load an Open Referral UK (ORUK) feed: v1 ``/services`` pages or v3 ``/services``.

A hub is an ORUK location; it offers the union of the mapped services of
every ORUK service running there. ORUK taxonomy terms and service names are
mapped to the contract's service vocabulary with :data:`KEYWORDS` (lower-case
substring match on taxonomy term names, then the service name). A service
that maps to nothing, or has no usable location, is skipped with a warning.
Weekly ``regular_schedules`` / ``schedules`` become OSM opening_hours strings.
The result replaces the whole directory in one transaction, like the CSV loader.

A feed that cannot be read whole changes nothing: one with more pages than
``max_pages`` is refused (a truncated feed would silently drop hubs), and so
is one whose nested parts are not the lists of objects ORUK describes; the
error names the field.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, Iterable

import requests

from bot.directory.csv_loader import UK_LAT, UK_LON, DirectoryLoadError, PostcodeGeocoder
from bot.directory.hours import validate_hours
from bot.directory.store import HubRecord, LoadSummary, OrganizationRecord, ServiceRecord, replace_directory
from bot.geo.postcodes import is_full_postcode, normalise_postcode

log = logging.getLogger(__name__)

MAX_PAGES = 50

# Keyword (lower-case substring) -> service code. Order does not matter: all matches apply.
KEYWORDS: dict[str, str] = {
    "wifi": "wifi",
    "wi-fi": "wifi",
    "internet access": "wifi",
    "public computer": "computers",
    "computer access": "computers",
    "computers": "computers",
    "pc access": "computers",
    "digital champion": "skills_help",
    "digital support": "skills_help",
    "digital skills support": "skills_help",
    "getting online": "skills_help",
    "get online": "skills_help",
    "digital help": "skills_help",
    "one-to-one": "skills_help",
    "digital inclusion": "skills_help",
    "course": "courses",
    "class": "courses",
    "training": "courses",
    "workshop": "courses",
    "device lending": "device_lending",
    "tablet loan": "device_lending",
    "laptop loan": "device_lending",
    "borrow": "device_lending",
    "device bank": "device_bank",
    "free device": "device_bank",
    "free laptop": "device_bank",
    "refurbished": "device_bank",
    "free sim": "free_sim",
    "sim card": "free_sim",
    "databank": "free_sim",
    "data voucher": "free_sim",
    "mobile data": "free_sim",
    "broadband": "broadband_advice",
    "social tariff": "broadband_advice",
    "universal credit": "benefits_help",
    "benefit": "benefits_help",
    "welfare": "benefits_help",
    "nhs app": "health_online_help",
    "health online": "health_online_help",
    "online health": "health_online_help",
    "job": "job_help",
    "cv": "job_help",
    "employment": "job_help",
    "careers": "job_help",
    "scam": "online_safety_help",
    "online safety": "online_safety_help",
    "fraud": "online_safety_help",
    "staying safe online": "online_safety_help",
    "council services": "council_services_help",
    "council tax": "council_services_help",
    "printing": "printing",
    "print": "printing",
    "scanning": "printing",
    "photocop": "printing",
    "device donation": "device_donations",
    "donate a device": "device_donations",
    "donate your device": "device_donations",
    "donate devices": "device_donations",
    "donated devices": "device_donations",
    "device recycling": "device_donations",
    "volunteer": "volunteering",
}

_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_OSM_DAYS = dict(zip(_DAYS, ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"), strict=True))


def map_services(terms: Iterable[str]) -> list[str]:
    """Service codes for ORUK taxonomy terms / names, in first-seen order."""
    found: dict[str, None] = {}
    for term in terms:
        text = f" {term.lower()} "
        for keyword, code in KEYWORDS.items():
            if keyword == "cv" and " cv" not in text and "cvs" not in text:
                continue
            if keyword in text:
                found[code] = None
    return list(found)


def schedules_to_opening_hours(schedules: Iterable[dict[str, Any]]) -> tuple[str | None, list[str]]:
    """ORUK weekly schedules (byday, opens_at, closes_at) -> OSM string, plus warnings."""
    per_day: dict[str, list[tuple[str, str]]] = {}
    warnings: list[str] = []
    for item in schedules:
        freq = str(item.get("freq") or "WEEKLY").upper()
        byday = str(item.get("byday") or "")
        opens, closes = _hhmm(item.get("opens_at")), _hhmm(item.get("closes_at"))
        if freq != "WEEKLY" or not byday or not opens or not closes:
            warnings.append(f"schedule {item.get('id', '?')} is not a simple weekly schedule; skipped")
            continue
        for day in byday.replace(" ", "").upper().split(","):
            if day not in _DAYS:
                warnings.append(f"schedule {item.get('id', '?')}: day {day!r} not understood; skipped")
                continue
            spans = per_day.setdefault(day, [])
            if (opens, closes) not in spans:
                spans.append((opens, closes))
    if not per_day:
        return None, warnings
    rules: list[str] = []
    index = 0
    while index < len(_DAYS):
        day = _DAYS[index]
        if day not in per_day:
            index += 1
            continue
        spans = sorted(per_day[day])
        end = index
        while end + 1 < len(_DAYS) and sorted(per_day.get(_DAYS[end + 1], [])) == spans:
            end += 1
        days = _OSM_DAYS[day] if end == index else f"{_OSM_DAYS[day]}-{_OSM_DAYS[_DAYS[end]]}"
        rules.append(f"{days} {','.join(f'{a}-{b}' for a, b in spans)}")
        index = end + 1
    expr = "; ".join(rules)
    reason = validate_hours(expr)
    if reason:
        warnings.append(f"opening hours {expr!r} could not be used ({reason})")
        return None, warnings
    return expr, warnings


def _hhmm(value: Any) -> str | None:
    text = str(value or "").strip()
    parts = text.split(":")
    if len(parts) < 2 or not parts[0].isdigit() or not parts[1][:2].isdigit():
        return None
    return f"{int(parts[0]):02d}:{parts[1][:2]}"


# -- reading the feed -----------------------------------------------------


def read_feed(
    source: str, session: requests.Session | None = None, max_pages: int = MAX_PAGES, timeout: float = 10.0
) -> list[dict[str, Any]]:
    """Every service in a file or URL, following pagination for URLs (all pages, or an error)."""
    if source.startswith(("http://", "https://")):
        return _fetch_pages(source, session or requests.Session(), max_pages, timeout)
    try:
        data = json.loads(Path(source).read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise DirectoryLoadError([f"{source}: cannot be read ({exc.strerror or exc})"]) from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DirectoryLoadError([f"{source}: is not a UTF-8 JSON file ({exc})"]) from exc
    return _services_in(data, source)


def _services_in(data: Any, source: str) -> list[dict[str, Any]]:
    if isinstance(data, list):
        return _only_objects(data, source, "item")
    if isinstance(data, dict):
        for key in ("content", "contents", "items", "services"):  # v1, v3, and loose variants
            if isinstance(data.get(key), list):
                return _only_objects(data[key], source, key)
        if "id" in data and "name" in data:
            return [data]
    raise DirectoryLoadError([f"{source}: does not look like an ORUK /services response"])


def _only_objects(items: list[Any], source: str, field: str) -> list[dict[str, Any]]:
    problems = [
        f"{source}: {field}[{i}] should be a service (a JSON object), not {_kind(item)}"
        for i, item in enumerate(items)
        if not isinstance(item, dict)
    ]
    if problems:
        raise DirectoryLoadError(problems)
    return items


def _fetch_pages(url: str, session: requests.Session, max_pages: int, timeout: float) -> list[dict[str, Any]]:
    """Every page's services; a feed longer than ``max_pages`` is an error, never a silent cut."""
    services: list[dict[str, Any]] = []
    for page in range(1, max_pages + 2):
        data = _fetch_page(url, session, page, timeout)
        found = _services_in(data, url)
        if page > max_pages:  # one look past the limit: is there really more?
            if found:
                raise _too_long(url, max_pages)
            break
        services += found
        if not isinstance(data, dict) or not found or _is_last(data, page):
            break
        total = _total_pages(data)
        if total is not None and total > max_pages:
            raise _too_long(url, max_pages)
    return services


def _fetch_page(url: str, session: requests.Session, page: int, timeout: float) -> Any:
    try:
        response = session.get(url, params={"page": page}, timeout=timeout)
        response.raise_for_status()
        return response.json()
    except requests.RequestException as exc:
        raise DirectoryLoadError([f"{url}: page {page} could not be fetched ({exc})"]) from exc
    except ValueError as exc:
        raise DirectoryLoadError([f"{url}: page {page} is not JSON"]) from exc


def _too_long(url: str, max_pages: int) -> DirectoryLoadError:
    return DirectoryLoadError(
        [
            f"{url}: the feed has more than {max_pages} pages, so only part of it could be read. "
            f"Loading part of it would drop the rest of the hubs. "
            f"Read more pages with --max-pages, or ask for more services per page."
        ]
    )


def _total_pages(data: dict[str, Any]) -> int | None:
    total = data.get("totalPages", data.get("total_pages"))
    return total if isinstance(total, int) and not isinstance(total, bool) else None


def _is_last(data: dict[str, Any], page: int) -> bool:
    if data.get("last") is True or data.get("last_page") is True:
        return True
    total = _total_pages(data)
    return total is not None and page >= total


# -- checking the shape of nested parts ------------------------------------


class _Malformed(Exception):
    """A nested part of one service is not shaped as ORUK describes it; the message names the field."""


def _kind(value: Any) -> str:
    if isinstance(value, str):
        return f"text ({value[:30]!r})"
    if isinstance(value, bool):
        return f"{str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"a number ({value})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return "null" if value is None else type(value).__name__


def _object(parent: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    """``parent[key]`` as an object ({} when missing or empty)."""
    value = parent.get(key)
    if not value:
        return {}
    if not isinstance(value, dict):
        raise _Malformed(f"{where}{key} should be an object, not {_kind(value)}")
    return value


def _objects(parent: dict[str, Any], keys: tuple[str, ...], where: str) -> list[dict[str, Any]]:
    """The first non-empty of ``parent[key]`` for ``keys``, as a list of objects ([] when none)."""
    key = next((k for k in keys if parent.get(k)), None)
    if key is None:
        return []
    value = parent[key]
    if not isinstance(value, list):
        raise _Malformed(f"{where}{key} should be a list, not {_kind(value)}")
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            raise _Malformed(f"{where}{key}[{index}] should be an object, not {_kind(item)}")
    return value


# -- mapping --------------------------------------------------------------


def _taxonomy_terms(service: dict[str, Any]) -> list[str]:
    terms: list[str] = []
    for i, link in enumerate(_objects(service, ("service_taxonomys",), "")):  # v1
        taxonomy = _object(link, "taxonomy", f"service_taxonomys[{i}].")
        terms.append(str(taxonomy.get("name") or ""))
    for i, attribute in enumerate(_objects(service, ("attributes",), "")):  # v3
        term = _object(attribute, "taxonomy_term", f"attributes[{i}].")
        terms.append(str(term.get("term") or term.get("name") or ""))
    for term in _objects(service, ("taxonomy_terms",), ""):  # v3 variants
        terms.append(str(term.get("term") or term.get("name") or ""))
    return [t for t in terms if t]


def _phones(service: dict[str, Any]) -> list[str]:
    numbers = [p.get("number") for p in _objects(service, ("phones",), "")]
    for i, contact in enumerate(_objects(service, ("contacts",), "")):
        numbers += [p.get("number") for p in _objects(contact, ("phones",), f"contacts[{i}].")]
    return [str(n) for n in numbers if n]


def _languages(parent: dict[str, Any], where: str) -> list[str]:
    """Two-letter codes from ``parent["languages"]``: a list of codes or of objects with one."""
    items = parent.get("languages") or []
    if not isinstance(items, list):
        raise _Malformed(f"{where}languages should be a list, not {_kind(items)}")
    codes = []
    for item in items:
        value = item.get("code") or item.get("language") if isinstance(item, dict) else item
        value = str(value or "").strip().lower()
        if len(value) == 2 and value.isalpha():
            codes.append(value)
    return codes


def _address(location: dict[str, Any], where: str) -> tuple[str, str | None]:
    addresses = _objects(location, ("physical_addresses", "addresses"), where)
    address = next(
        (a for a in addresses if a.get("address_type", "physical") == "physical"),
        addresses[0] if addresses else {},
    )
    line = ", ".join(str(address[k]) for k in ("address_1", "address_2", "city") if address.get(k))
    return line, address.get("postal_code")


def parse_oruk_services(
    services: list[dict[str, Any]], geocoder: PostcodeGeocoder | None = None, source: str = "feed"
) -> tuple[list[HubRecord], list[OrganizationRecord], list[ServiceRecord], list[str]]:
    """Hubs, organisations and services (provenance) from ORUK services, with warnings.

    Raises :class:`DirectoryLoadError` naming every misshapen nested field, so
    a broken feed changes nothing instead of crashing half-way.
    """
    hubs: dict[str, HubRecord] = {}
    organizations: dict[str, OrganizationRecord] = {}
    kept: list[ServiceRecord] = []
    warnings: list[str] = []
    problems: list[str] = []
    for service in services:
        sid, name = str(service.get("id") or ""), str(service.get("name") or "").strip()
        label = f"{source}: service {sid or '?'} ({name or 'no name'})"
        if not sid or not name:
            warnings.append(f"{label}: no id or name; skipped")
            continue
        if str(service.get("status") or "active").lower() not in ("active", ""):
            warnings.append(f"{label}: status {service.get('status')!r}; skipped")
            continue
        try:
            record = _parse_service(service, sid, name, label, hubs, organizations, warnings, geocoder)
        except _Malformed as exc:
            problems.append(f"{label}: {exc}")
            continue
        if record is not None:
            kept.append(record)
    if problems:
        raise DirectoryLoadError(problems)
    return list(hubs.values()), list(organizations.values()), kept, warnings


def _parse_service(
    service: dict[str, Any],
    sid: str,
    name: str,
    label: str,
    hubs: dict[str, HubRecord],
    organizations: dict[str, OrganizationRecord],
    warnings: list[str],
    geocoder: PostcodeGeocoder | None,
) -> ServiceRecord | None:
    """One active service: its hubs go into ``hubs``; None when it is skipped (with a warning)."""
    codes = map_services(_taxonomy_terms(service) + [name])
    if not codes:
        warnings.append(f"{label}: no taxonomy term or name maps to the service vocabulary; skipped")
        return None
    org = _object(service, "organization", "")
    org_id = str(org["id"]) if org.get("id") else None
    if org_id and org_id not in organizations:
        organizations[org_id] = OrganizationRecord(
            org_id,
            str(org.get("name") or name),
            org.get("description"),
            _url(org.get("url") or org.get("website")),
            org.get("email"),
        )
    service_schedules = _objects(service, ("regular_schedules", "schedules"), "")
    location_ids: list[str] = []
    for i, link in enumerate(_objects(service, ("service_at_locations",), "")):
        where = f"service_at_locations[{i}]."
        location = _object(link, "location", where)
        hub = _hub_for(location, service, org_id, hubs, warnings, label, geocoder, f"{where}location.")
        if hub is None:
            continue
        for code in codes:
            if code not in hub.services:
                hub.services.append(code)
        schedules = (
            _objects(link, ("regular_schedules", "schedules"), where)
            or _objects(location, ("schedules",), f"{where}location.")
            or service_schedules
        )
        expr, schedule_warnings = schedules_to_opening_hours(schedules)
        warnings += [f"{label}: {w}" for w in schedule_warnings]
        if expr and not hub.opening_hours:
            hub.opening_hours = expr
        location_ids.append(hub.id)
    if not location_ids:
        warnings.append(f"{label}: no location with a place to visit; skipped")
        return None
    return ServiceRecord(
        sid,
        name,
        location_ids,
        org_id,
        service.get("description"),
        _url(service.get("url")),
        service.get("email"),
    )


def _url(value: Any) -> str | None:
    text = str(value or "").strip()
    return text if text.startswith(("http://", "https://")) else None


def _hub_for(
    location: dict[str, Any],
    service: dict[str, Any],
    org_id: str | None,
    hubs: dict[str, HubRecord],
    warnings: list[str],
    label: str,
    geocoder: PostcodeGeocoder | None,
    where: str,
) -> HubRecord | None:
    loc_id = str(location.get("id") or "")
    if not loc_id:
        warnings.append(f"{label}: a location has no id; skipped")
        return None
    if loc_id in hubs:
        return hubs[loc_id]
    address, postcode_text = _address(location, where)
    postcode = normalise_postcode(str(postcode_text or ""))
    if postcode is None or not is_full_postcode(postcode):
        warnings.append(f"{label}: location {loc_id} has no full UK postcode; skipped")
        return None
    lat, lon, geocoded = location.get("latitude"), location.get("longitude"), None
    try:
        lat, lon = float(lat), float(lon)  # type: ignore[arg-type]  # None: TypeError, caught
        if not (UK_LAT[0] <= lat <= UK_LAT[1] and UK_LON[0] <= lon <= UK_LON[1]):
            raise ValueError
    except (TypeError, ValueError):
        point = geocoder.geocode(postcode) if geocoder is not None else None
        if point is None:
            warnings.append(
                f"{label}: location {loc_id} has no usable coordinates"
                f" and {postcode} could not be geocoded; skipped"
            )
            return None
        lat, lon, geocoded = point.latitude, point.longitude, point.source
    phones = _phones(service)
    accessibility = []
    for item in _objects(location, ("accessibility_for_disabilities", "accessibility"), where):
        text = str(item.get("accessibility") or item.get("description") or "").lower()
        if "wheelchair" in text or "step-free" in text or "level access" in text:
            accessibility.append("wheelchair")
        if "loop" in text:
            accessibility.append("hearing_loop")
        if "toilet" in text:
            accessibility.append("accessible_toilet")
    record = HubRecord(
        id=loc_id,
        name=str(location.get("name") or service.get("name")).strip(),
        address=address or str(location.get("name") or ""),
        postcode=postcode,
        latitude=lat,
        longitude=lon,
        services=[],
        phone=phones[0] if phones else None,
        email=service.get("email") or None,
        website=_url(service.get("url")),
        accessibility=list(dict.fromkeys(accessibility)),
        languages=list(dict.fromkeys(_languages(service, "") + _languages(location, where))),
        notes=None,
        geocoded=geocoded,
        organization_id=org_id,
    )
    hubs[loc_id] = record
    return record


def load_oruk_directory(
    engine,
    source: str,
    geocoder: PostcodeGeocoder | None = None,
    session: requests.Session | None = None,
    max_pages: int = MAX_PAGES,
) -> LoadSummary:
    """Read the feed, map it, and replace the whole directory in one transaction."""
    services = read_feed(source, session=session, max_pages=max_pages)
    hubs, organizations, kept, warnings = parse_oruk_services(services, geocoder, source)
    if not hubs:
        raise DirectoryLoadError([f"{source}: no usable hubs in the feed"] + warnings)
    replace_directory(engine, hubs, [], organizations, kept)
    for warning in warnings:
        log.info(warning)  # returned to the caller too, who decides how loudly to show them
    return LoadSummary(
        hubs=len(hubs), courses=0, geocoded=sum(1 for h in hubs if h.geocoded), warnings=tuple(warnings)
    )
