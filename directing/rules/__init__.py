"""The rules of directing, one module per entity; every writer asks them through the services."""
