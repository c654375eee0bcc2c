"""Cluster coordination through Redis: connections, the session registry (Lua for atomic login conflicts),
the routing bus, the settings bus, node membership, and worker ids (Snowflake ids and their Redis lease).

One Redis, a Sentinel-managed master and a Redis Cluster are known only to the client factory
(:mod:`.connection`), the key builder (:mod:`.keys`, hash tags) and pub/sub (:mod:`.pubsub`, sharded channels on
a cluster); every other module works the same on all three.

May import the standard library, ``redis``, ``turms.settings``, ``turms.errors``, ``turms.protocol`` and
``turms.clock``; never the storage adapters, the gateway or the services. Submodules are imported directly
(``from turms.cluster.ids import Snowflake``); this package itself imports nothing.
"""
