"""One module per tool report, each declaring its formats; the registry detects and dispatches them."""
