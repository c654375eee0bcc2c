"""Generated protobuf modules of the client protocol (package ``im.turms.proto``).

Do not edit: the sources are ``proto/turms/protocol/pb/*.proto``; regenerate with
``.venv/bin/python scripts/gen_proto.py``.
"""
