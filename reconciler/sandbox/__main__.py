"""python -m reconciler.sandbox: serve the sandbox over HTTP (see reconciler.sandbox.server)."""

import sys

from reconciler.sandbox.server import main

sys.exit(main())
