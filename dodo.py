"""modelpools' own dodo.py: the same tasks a site gets with one import."""

from modelpools.tasks import *  # noqa: F403  (catalog, benchmarks, match, pools, validate)

DOIT_CONFIG = {"default_tasks": ["pools"]}
