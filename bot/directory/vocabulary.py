"""The fixed vocabularies of the directory contract (../shared/spec/directory.md)."""

from __future__ import annotations

SERVICES: dict[str, str] = {
    "wifi": "free public wifi",
    "computers": "free use of computers",
    "skills_help": "one-to-one help from a digital champion or volunteer",
    "courses": "digital skills classes on site",
    "device_lending": "devices to borrow",
    "device_bank": "free devices to keep",
    "free_sim": "free SIMs or data vouchers",
    "broadband_advice": "advice on cheaper broadband and social tariffs",
    "benefits_help": "help with Universal Credit and other benefits online",
    "health_online_help": "help with the NHS App and health services online",
    "job_help": "help with job searching and CVs online",
    "online_safety_help": "help with scams and staying safe online",
    "council_services_help": "help with council services online",
    "printing": "printing and scanning",
    "device_donations": "accepts donated devices",
    "volunteering": "recruits volunteers and digital champions",
}

TOPICS: dict[str, str] = {
    "basics": "getting started",
    "email": "email",
    "online_safety": "staying safe online",
    "benefits": "benefits online",
    "health": "health online",
    "jobs": "jobs online",
    "banking": "banking online",
    "keep_in_touch": "keeping in touch",
    "council_services": "council services online",
    "smartphone": "using a smartphone or tablet",
    "documents": "documents and forms",
}

ACCESSIBILITY: dict[str, str] = {
    "wheelchair": "wheelchair accessible",
    "hearing_loop": "hearing loop",
    "accessible_toilet": "accessible toilet",
    "large_print": "large print",
    "screen_reader": "screen reader",
    "quiet_space": "quiet space",
}

BOOKING: dict[str, str] = {
    "drop_in": "just drop in",
    "appointment": "by appointment",
    "both": "drop in or book an appointment",
}

LEVELS: dict[str, str] = {"beginner": "beginners", "improver": "improvers", "any": "any level"}

MODES: dict[str, str] = {"in_person": "in person", "online": "online"}

# Vocabulary names used for taxonomy rows in the database.
SERVICE_VOCABULARY = "signpost-service"
TOPIC_VOCABULARY = "signpost-topic"
