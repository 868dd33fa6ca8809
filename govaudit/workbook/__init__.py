"""Excel workbooks: reading, export, import, merge (openpyxl; imported lazily)."""
