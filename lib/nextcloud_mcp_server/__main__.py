"""`python -m nextcloud_mcp_server` is the same as the `nextcloud-mcp-server` command."""

from nextcloud_mcp_server.cli import main

raise SystemExit(main())
