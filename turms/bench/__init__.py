"""The benchmark harness: a multi-process load generator speaking the real client protocol, scenarios, and
the report that docs/benchmarks.md is generated from. Run with ``turms bench`` (see ``turms bench --help``).

May import anything in ``turms`` (it drives a real server as a client would) plus psutil and PyJWT.
"""
