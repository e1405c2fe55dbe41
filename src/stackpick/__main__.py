from stackpick.cli import main

raise SystemExit(main())
