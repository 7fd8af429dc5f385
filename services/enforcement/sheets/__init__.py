"""Register files (名录库导入): officers, targets and matters from XLSX or CSV, with row-level errors."""
