"""Prometheus metrics (prometheus_client).

* :mod:`.multiproc`: the multi-process directory, prepared before workers start (imports no
  prometheus_client: the client picks its storage when it is first imported).
* :mod:`.registry`: the metrics and the ``record_*`` calls the service makes.
* :mod:`.endpoint`: ``GET /metrics`` (loopback in development, bearer ``CDS_METRICS_TOKEN`` in
  production).

No label ever holds patient data, a token or free text: services, outcomes, recommendation codes
and reasons come from fixed sets (anything else is ``other``).
"""
