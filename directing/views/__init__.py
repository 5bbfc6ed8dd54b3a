"""The pages of directing, one module per entity."""
