"""``python -m n2n.bench framework [options]``: the same as ``n2n bench framework``."""

from n2n.bench.framework import main

raise SystemExit(main())
