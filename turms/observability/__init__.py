"""Observability: Prometheus metrics shared by every process of a host, structured logs, trace ids.

* :mod:`.metrics`: every metric definition, in one place, and cheap pre-bound recorders for the hot path;
* :mod:`.tick`: hot-path updates added up per event-loop tick and written once per tick;
* :mod:`.multiprocess`: prometheus-client's multiprocess mode (the per-run directory, dead processes);
* :mod:`.http`: ``/metrics`` for the admin HTTP app;
* :mod:`.logging`, :mod:`.rotation`: JSON/text formatters, the four named loggers, size rotation safe
  across processes;
* :mod:`.trace`: trace ids (one per client or admin request) and deterministic sampling by trace id;
* :mod:`.lag`, :mod:`.process`: the event-loop lag probe and the process CPU/memory sampler;
* :mod:`.instrument`: a timing proxy for coroutine-method objects (the store).

A bottom layer: may import the standard library, prometheus_client, psutil, orjson, aiohttp,
``turms.settings`` and ``turms.protocol.pb`` constants; never the gateway, services, cluster or storage.
"""
