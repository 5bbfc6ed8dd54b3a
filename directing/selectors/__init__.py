"""The read paths of directing, one module per entity."""
