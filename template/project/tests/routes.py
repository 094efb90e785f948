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
