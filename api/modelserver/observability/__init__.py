"""What the server tells its operators: JSON log lines, Prometheus metrics, per-request bookkeeping."""
