from stackpick.worker.main import main

raise SystemExit(main())
