"""The baseline: the least any service must do for a hook call.

A bare ASGI app that reads the whole body, parses it with orjson and answers one fixed small card.
Served by the same server, the same way, as the real service, so their ratio is what our own code
costs.
"""

from __future__ import annotations

import orjson

_RESPONSE = orjson.dumps(
    {
        "cards": [
            {
                "uuid": "9b0a2f8e-1f5c-4f0e-9a57-1c1d8a1f0c11",
                "summary": "Botgezondheid: calcium, magnesium, vitamine D en K2 overwegen",
                "indicator": "info",
                "source": {"label": "Suppletierichtlijn Botdichtheid en Botvorming"},
            }
        ]
    }
)
_HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(_RESPONSE)).encode())]


async def app(scope, receive, send):  # noqa: ANN001 - raw ASGI
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] != "http":
        return
    chunks = []
    more = True
    while more:
        message = await receive()
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    body = b"".join(chunks)
    if scope["method"] == "POST":
        orjson.loads(body)
    await send({"type": "http.response.start", "status": 200, "headers": _HEADERS})
    await send({"type": "http.response.body", "body": _RESPONSE})
