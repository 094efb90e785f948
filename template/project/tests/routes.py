"""The service's API routes with their full paths, for tests that walk the route table."""

from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts


def api_routes(application: FastAPI) -> list[tuple[str, APIRoute]]:
    """Every API route and its full path (included routers stay nested in ``app.routes``)."""
    return [
        (context.path or "", route)
        for context in iter_route_contexts(application.routes)
        if isinstance(route := context.original_route, APIRoute)
    ]


def tagged_routes(application: FastAPI, tag: str) -> list[APIRoute]:
    """The API routes served under ``tag``: a route's own tags and those of every router that
    includes it (the route object keeps its own only, and a nested router's add nothing there)."""
    return [
        route
        for context in iter_route_contexts(application.routes)
        if isinstance(route := context.original_route, APIRoute) and tag in context.tags
    ]
