"""Reports computed from the read tables: monthly buyer report, PLIE bilan, national export."""
