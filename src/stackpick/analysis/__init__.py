"""Analysis of stored numbers: statistics, comparisons, economics, stability, the
portability matrix. Pure numpy; parent side; reads protocol records, never a framework."""
