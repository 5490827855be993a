"""Builds the app: settings, error handlers, the job runner and rate limiter, one router per resource."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI

from api import errors, logs, owner, storage
from api.cors import Cors
from api.db import pool
from api.head import HeadAsGet
from api.jobs import JobRunner
from api.prefix import RootPath
from api.ratelimit import FailureLimiter, RateLimiter
from api.routes import (
    breakdown,
    datasets,
    erasures,
    health,
    pain_points,
    report,
    review,
    runs,
    stats,
    taxonomy,
    touchpoints,
    trends,
)
from api.security import SecurityHeaders
from api.settings import Settings, get_settings

DESCRIPTION = """Upload customer feedback, mine it in the background, and ask for the top pain points by touchpoint.

Every `/v1` route takes `Authorization: Bearer <key>` (`touchpoints keys create --workspace NAME`) and sees only
that workspace's data. Errors are JSON: `{"code", "message", "field"}`, `field` null where no one parameter or
field is at fault."""


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owner.claim(settings.db)  # before recover(): only the server holding the claim owns the jobs it finds
        runner = JobRunner(settings)
        runner.recover()
        app.state.runner = runner
        yield
        runner.shutdown()
        pool.close_all()
        owner.release(settings.db)

    app = FastAPI(title="touchpoint-miner", version="1", description=DESCRIPTION, lifespan=lifespan,
                  dependencies=[Depends(errors.no_unknown_query)])  # fmt: skip
    app.state.limiter = RateLimiter(settings.rate_limit)
    app.state.auth_failures = FailureLimiter(settings.auth_failures)
    # On app.state, not in app.dependency_overrides: with any override set, FastAPI rebuilds every dependency's
    # signature on every request (half the server's time under load on GET /v1/pain-points).
    app.state.settings = settings
    errors.install(app)
    storage.install(app)  # a full disk answers 507, not 500
    logs.install()  # no PII from query strings in the access log
    app.add_middleware(SecurityHeaders)  # nosniff everywhere; a CSP with frame-ancestors 'none' on HTML pages
    app.add_middleware(HeadAsGet)  # HEAD on every GET route (HEAD-based health checks)
    if settings.cors_origins:  # added last, so outermost: a preflight is answered before anything else runs
        app.add_middleware(
            Cors,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "HEAD", "POST", "PUT", "DELETE"],
            allow_headers=["Authorization", "Content-Type"],
            expose_headers=["Retry-After"],  # a dashboard backs off on 429
            max_age=600,
        )
    # outermost of all: every other middleware and route sees the path with the prefix, and redirects leave as paths
    app.add_middleware(RootPath, root_path=settings.root_path)
    for module in (health, datasets, erasures, runs, pain_points, touchpoints, breakdown, trends, taxonomy, review,
                   stats, report):  # fmt: skip
        app.include_router(module.router)
    return app
