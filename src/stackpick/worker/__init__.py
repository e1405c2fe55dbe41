"""Worker side: the only package that imports a framework. Runs in its own process
(`python -m stackpick.worker`), one per backend variant."""
