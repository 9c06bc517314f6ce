from n2n.cli import main

raise SystemExit(main())
