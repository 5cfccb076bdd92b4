"""Database tables, shaped after Open Referral UK (ORUK) and kept small.

A *hub* is an ORUK ``location``: a place a resident can go. What a hub offers
is a set of ``location_service`` rows pointing at ``taxonomy_term`` rows of
the service vocabulary, so search can filter in SQL. ``organization``,
``service`` and ``service_at_location`` keep the provenance of ORUK feeds.
Opening hours live in ``schedule`` as OSM ``opening_hours`` strings that were
parsed (validated) at load time. Works on SQLite and PostgreSQL.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import declarative_base, relationship

# SQLAlchemy 1.4 ships no type information, so the declarative base is Any to mypy.
Base: Any = declarative_base()

ID = String(200)


def _child_of(parent: str, **options: Any) -> Column:
    """A column holding the id of a ``parent`` row; the row goes when its parent does."""
    return Column(ID, ForeignKey(f"{parent}.id", ondelete="CASCADE"), **options)


def _term() -> Column:
    """The taxonomy term (a service or a topic) a link row names: part of its key, indexed to find by term."""
    return Column(String(100), ForeignKey("taxonomy_term.id"), primary_key=True, index=True)


class _Described:
    """What ORUK says alike of an organization and of a service."""

    id = Column(ID, primary_key=True)
    name = Column(Text, nullable=False)
    description = Column(Text)
    email = Column(Text)


class Organization(_Described, Base):
    __tablename__ = "organization"
    website = Column(Text)


class TaxonomyTerm(Base):
    """A code from one of the contract's vocabularies (services, topics)."""

    __tablename__ = "taxonomy_term"
    id = Column(String(100), primary_key=True)  # e.g. "wifi", "basics"
    vocabulary = Column(String(100), nullable=False, index=True)
    name = Column(Text, nullable=False)


class Location(Base):
    """A hub: a place where a resident can get help."""

    __tablename__ = "location"
    id = Column(ID, primary_key=True)
    organization_id = Column(ID, ForeignKey("organization.id", ondelete="SET NULL"))
    name = Column(Text, nullable=False)
    address = Column(Text, nullable=False)
    postcode = Column(String(10), nullable=False)
    outcode = Column(String(4), index=True)
    latitude = Column(Float, nullable=False)
    longitude = Column(Float, nullable=False)
    geocoded = Column(String(20))  # null when given in the file, else "postcodes.io"/"offline"
    phone = Column(Text)
    email = Column(Text)
    website = Column(Text)
    booking = Column(String(20))  # drop_in | appointment | both | null (unknown)
    notes = Column(Text)

    services = relationship("LocationService", cascade="all, delete-orphan", lazy="selectin")
    accessibility = relationship("LocationAccessibility", cascade="all, delete-orphan", lazy="selectin")
    languages = relationship("LocationLanguage", cascade="all, delete-orphan", lazy="selectin")
    schedules = relationship(
        "Schedule", cascade="all, delete-orphan", lazy="selectin", foreign_keys="Schedule.location_id"
    )

    __table_args__ = (
        Index("ix_location_lat_lon", "latitude", "longitude"),
        Index("ix_location_lon", "longitude"),
    )


class LocationService(Base):
    """Hub offers service (a taxonomy term of the service vocabulary)."""

    __tablename__ = "location_service"
    location_id = _child_of("location", primary_key=True)
    term_id = _term()


class LocationAccessibility(Base):
    __tablename__ = "location_accessibility"
    location_id = _child_of("location", primary_key=True)
    code = Column(String(50), primary_key=True)


class LocationLanguage(Base):
    __tablename__ = "location_language"
    location_id = _child_of("location", primary_key=True)
    code = Column(String(2), primary_key=True)  # ISO 639-1


class Service(_Described, Base):
    """An ORUK service, kept only for provenance of ORUK loads."""

    __tablename__ = "service"
    organization_id = Column(ID, ForeignKey("organization.id", ondelete="SET NULL"))
    url = Column(Text)


class ServiceAtLocation(Base):
    __tablename__ = "service_at_location"
    id = Column(ID, primary_key=True)
    service_id = _child_of("service", nullable=False)
    location_id = _child_of("location", nullable=False)


class Course(Base):
    __tablename__ = "course"
    id = Column(ID, primary_key=True)
    title = Column(Text, nullable=False)
    provider = Column(Text)
    mode = Column(String(20), nullable=False)  # in_person | online
    location_id = _child_of("location", index=True)
    level = Column(String(20))  # beginner | improver | any | null
    start_date = Column(Date)
    end_date = Column(Date, index=True)
    url = Column(Text)
    cost_pence = Column(Integer)  # null or 0 = free; pence keep money exact on every database
    description = Column(Text)

    topics = relationship("CourseTopic", cascade="all, delete-orphan", lazy="selectin")
    schedules = relationship(
        "Schedule", cascade="all, delete-orphan", lazy="selectin", foreign_keys="Schedule.course_id"
    )


class CourseTopic(Base):
    __tablename__ = "course_topic"
    course_id = _child_of("course", primary_key=True)
    term_id = _term()


class Schedule(Base):
    """When a hub is open or a course runs, as an OSM opening_hours string."""

    __tablename__ = "schedule"
    id = Column(ID, primary_key=True)
    location_id = _child_of("location", index=True)
    course_id = _child_of("course", index=True)
    opening_hours = Column(Text, nullable=False)  # validated with opening_hours at load
    description = Column(Text)


# Deleting in this order empties the directory without upsetting foreign keys.
TABLES_CHILD_FIRST = [
    Schedule.__table__,
    CourseTopic.__table__,
    Course.__table__,
    ServiceAtLocation.__table__,
    Service.__table__,
    LocationLanguage.__table__,
    LocationAccessibility.__table__,
    LocationService.__table__,
    Location.__table__,
    Organization.__table__,
    TaxonomyTerm.__table__,
]
