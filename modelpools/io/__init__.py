"""The I/O edges: files, HTTP, git, the cache lock, terminal output and the LLM-Stats checkout reader."""
