"""``python -m turms.supervisor``: run the server without the full CLI (tests, debugging)."""

from __future__ import annotations

import sys

from turms.supervisor import main

sys.exit(main())
