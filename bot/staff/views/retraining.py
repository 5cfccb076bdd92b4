"""The Models and retraining pages: retrain, compare a model with the live one, promote, roll back."""

from __future__ import annotations

from typing import Callable

from aiohttp import web

from bot.staff import evaluation, promotion, service, training
from bot.staff.rasa_api import RasaError
from bot.staff.settings import StaffSettings
from bot.staff.store import Store
from bot.staff.training_status import RUNNING
from bot.staff.views.base import PREFIX, SETTINGS, STORE, back, blocking, login_required, render, wants_json

routes = web.RouteTableDef()
REFRESH = 3  # seconds between reloads of the Models page while a training runs


@routes.get(PREFIX + "/models")
@login_required
async def models_page(request: web.Request) -> web.Response:
    data = await blocking(service.models_overview, request.app[SETTINGS], request.app[STORE])
    live, running = data["live"], data["training"].get("state") in RUNNING
    rows = []
    for model in data["recent"]:
        is_live = live is not None and live["id"] == model["id"]
        # A model never live is made live by Promote (on its own page), never by roll back.
        rows.append(
            {"model": model, "live": is_live, "can_roll_back": not is_live and promotion.was_live(model)}
        )
    return render(
        request,
        "models.html",
        "Models and retraining",
        refresh=REFRESH if running else 0,
        error=data["error"],
        training=data["training"],
        running=running,
        rows=rows,
    )


@routes.post(PREFIX + "/retrain")
@routes.post(PREFIX + "/api/retrain")
@login_required
async def retrain(request: web.Request) -> web.StreamResponse:
    settings, store = request.app[SETTINGS], request.app[STORE]
    try:
        # Only takes the lock and writes the status file; the training runs in its own thread.
        await blocking(training.start_training, settings, store, request["staff"]["user"], background=True)
    except training.AlreadyRunning:
        if wants_json(request):
            return web.json_response({"error": "a training is already running"}, status=409)
        raise back("/models", "A training is already running.", "error") from None
    if wants_json(request):
        return web.json_response({"started": True}, status=202)
    raise back("/models", "Training started.")


@routes.get(PREFIX + r"/models/{model_id:\d+}")
@login_required
async def model_page(request: web.Request) -> web.Response:
    data = await blocking(
        service.model_detail, request.app[SETTINGS], request.app[STORE], int(request.match_info["model_id"])
    )
    if data is None:
        raise web.HTTPNotFound(text="no such model")
    model, live, user = data["model"], data["live"], request["staff"]["user"]
    requested = data["requested_by"]
    if requested and requested != user:
        label = "Confirm promotion (second member of staff)"
    elif requested:
        label = "Promote"
    else:
        label = "Promote (make it live)"
    scores = model["scores"]
    return render(
        request,
        "model.html",
        f"Model {model['id']}",
        model=model,
        live=live,
        rows=data["rows"],
        is_live=live is not None and live["id"] == model["id"],
        scores=scores,
        matrix=list(zip(scores["labels"], scores["matrix"], strict=True)) if scores else [],
        requested_by=requested,
        promote_label=label,
    )


async def _make_live(
    request: web.Request, step: Callable[[StaffSettings, Store, int, str], promotion.Promotion], page: str
) -> promotion.Promotion:
    """Promote or roll back the model in the path as the signed-in user; a refusal goes back to ``page``."""
    model_id = int(request.match_info["model_id"])
    try:
        return await blocking(
            step, request.app[SETTINGS], request.app[STORE], model_id, request["staff"]["user"]
        )
    except (ValueError, RasaError) as exc:
        raise back(page, str(exc), "error") from None


@routes.post(PREFIX + r"/models/{model_id:\d+}/promote")
@login_required
async def promote(request: web.Request) -> web.StreamResponse:
    page = f"/models/{int(request.match_info['model_id'])}"
    result = await _make_live(request, promotion.promote, page)
    raise back(page, result.message, "ok" if result.promoted else "error")


@routes.post(PREFIX + r"/models/{model_id:\d+}/rollback")
@login_required
async def rollback(request: web.Request) -> web.StreamResponse:
    result = await _make_live(request, promotion.rollback, "/models")
    raise back("/models", result.message)


@routes.get(PREFIX + r"/models/{model_id:\d+}/confusion.png")
@login_required
async def confusion(request: web.Request) -> web.StreamResponse:
    path = evaluation.confusion_png(request.app[SETTINGS], int(request.match_info["model_id"]))
    if not await blocking(path.exists):
        raise web.HTTPNotFound()
    return web.Response(body=await blocking(path.read_bytes), content_type="image/png")
