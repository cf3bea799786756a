"""The HTTP side: the app factory, the routes (``/predict``, KServe V2, health, metadata, metrics), API keys,
JSON errors and request decoding."""
