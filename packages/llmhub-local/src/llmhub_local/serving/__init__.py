"""Serving local models (seed 002): the registry, the state store, the OpenAI-compatible server,
the manager of background servers, shared environments and their provisioning, smoke tests and
strict-JSON tool calling."""
