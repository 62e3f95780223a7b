"""Developer tools of the nsadc project (not installed with the package)."""
