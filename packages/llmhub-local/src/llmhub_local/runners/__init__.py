"""Model runners (seed 003): configuration, the factory, the llama.cpp and transformers runners,
devices and the model store. Import the public names from :mod:`llmhub_local`."""
