"""Reports for people: case audit reports (and, later, the sales review)."""
