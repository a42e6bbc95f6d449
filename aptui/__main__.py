from aptui.cli import main

raise SystemExit(main())
