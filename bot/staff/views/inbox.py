"""The inbox (messages the assistant did not understand), one message with its conversation, and Teach."""

from __future__ import annotations

from aiohttp import web

from bot.staff import inbox, service, training_data
from bot.staff.views.base import (
    EDIT_LOCK,
    PREFIX,
    SETTINGS,
    STORE,
    audit,
    back,
    blocking,
    login_required,
    render,
)

routes = web.RouteTableDef()


@routes.get(PREFIX + "/")
@login_required
async def inbox_page(request: web.Request) -> web.Response:
    reveal = request.query.get("reveal") == "1"
    if reveal:
        await audit(request, "revealed_personal_data", page="inbox")
    groups = await blocking(service.inbox_groups, request.app[SETTINGS], request.app[STORE])
    return render(
        request,
        "inbox.html",
        "Inbox: messages the assistant did not understand",
        groups=groups,
        reveal=reveal,
    )


@routes.get(PREFIX + r"/inbox/{event_id:\d+}")
@login_required
async def message_page(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    event_id = int(request.match_info["event_id"])
    message = await blocking(inbox.message, settings.tracker_db, event_id)
    if message is None:
        raise web.HTTPNotFound(text="no such message")
    reveal = request.query.get("reveal") == "1"
    if reveal:
        await audit(request, "revealed_personal_data", event_id=event_id)
    turns = await blocking(
        inbox.conversation, settings.tracker_db, message.sender_id, event_id, reveal=reveal
    )
    intents = await blocking(training_data.domain_intents, settings.project_dir)
    return render(
        request,
        "message.html",
        "Review a message",
        message=message,
        reveal=reveal,
        turns=turns,
        intents=[i for i in intents if i != training_data.OUT_OF_SCOPE],
        example=training_data.clean_example(message.masked),
        action=f"{PREFIX}/inbox/{event_id}/teach",
    )


@routes.post(PREFIX + r"/inbox/{event_id:\d+}/teach")
@login_required
async def teach(request: web.Request) -> web.StreamResponse:
    settings, store = request.app[SETTINGS], request.app[STORE]
    event_id = int(request.match_info["event_id"])
    form = {k: str(v) for k, v in (await request.post()).items() if k != "csrf"}
    async with request.app[EDIT_LOCK]:  # one edit of the training files at a time
        try:
            message = await blocking(service.teach, settings, store, request["staff"]["user"], event_id, form)
        except ValueError as exc:
            raise back(f"/inbox/{event_id}", str(exc), "error") from None
    raise back("/", message)
